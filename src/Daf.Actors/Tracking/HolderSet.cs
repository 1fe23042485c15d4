// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Tracking;

/// <summary>
/// The thread groups (processes, not threads) that hold a socket, or dropped it less than the grace delay ago:
/// an immutable sorted array, published whole and replaced atomically when it changes, so packet threads read it
/// without locks or allocation.
/// </summary>
public sealed class HolderSet
{
    /// <summary>In <see cref="AppliedForks"/>: the holder no longer holds the socket (grace delay): its forks do not share it.</summary>
    public const ulong NotHolding = ulong.MaxValue;

    private readonly int[] _tgids;
    private readonly ulong[] _forks;

    /// <param name="sortedDistinctTgids">Owned by the set from now on (not copied).</param>
    /// <param name="appliedForks">Per holder (same order), owned by the set: see <see cref="AppliedForks"/>.</param>
    internal HolderSet(int[] sortedDistinctTgids, ulong[] appliedForks)
    {
        if (appliedForks.Length != sortedDistinctTgids.Length)
            throw new ArgumentException("one fork count per holder", nameof(appliedForks));
        _tgids = sortedDistinctTgids;
        _forks = appliedForks;
    }

    public int Count => _tgids.Length;

    public int this[int index] => _tgids[index];

    /// <summary>The thread-group ids in ascending order.</summary>
    public ReadOnlySpan<int> ThreadGroups => _tgids;

    /// <summary>
    /// Per holder (the order of <see cref="ThreadGroups"/>), the fork count of the holder (the probe's `forks` map, low
    /// 32 bits) this set already accounts for: every child it had forked by then that still holds the socket is in the
    /// set. <see cref="NotHolding"/> for a holder within its grace delay.
    /// </summary>
    public ReadOnlySpan<ulong> AppliedForks => _forks;

    public bool Contains(int tgid) => Array.BinarySearch(_tgids, tgid) >= 0;

    public override string ToString() => "[" + string.Join(", ", _tgids) + "]";
}
