// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Tracking;

/// <summary>
/// The thread groups (processes, not threads) that hold a socket, or dropped it less than the grace delay ago:
/// an immutable sorted array, published whole and replaced atomically when it changes, so packet threads read it
/// without locks or allocation.
/// </summary>
public sealed class HolderSet
{
    private readonly int[] _tgids;

    /// <param name="sortedDistinctTgids">Owned by the set from now on (not copied).</param>
    internal HolderSet(int[] sortedDistinctTgids) => _tgids = sortedDistinctTgids;

    public static HolderSet Of(params int[] tgids)
    {
        ArgumentNullException.ThrowIfNull(tgids);
        int[] copy = [.. tgids.Distinct().Order()];
        return new HolderSet(copy);
    }

    public int Count => _tgids.Length;

    public int this[int index] => _tgids[index];

    /// <summary>The thread-group ids in ascending order.</summary>
    public ReadOnlySpan<int> ThreadGroups => _tgids;

    public bool Contains(int tgid) => Array.BinarySearch(_tgids, tgid) >= 0;

    public override string ToString() => "[" + string.Join(", ", _tgids) + "]";
}
