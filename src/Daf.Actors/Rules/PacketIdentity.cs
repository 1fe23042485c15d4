// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Attribution;
using Daf.Actors.Identity;
using Daf.Interop.Packets;

namespace Daf.Actors.Rules;

/// <summary>
/// What one judging thread knows about the holders of the packet it is judging: resolved lazily, only when a rule
/// with identity criteria is reached, at most once per packet. One instance per thread (a queue reader, the
/// attribution actor), reused for every packet: no allocation per packet.
/// </summary>
/// <remarks>
/// On the hot path (<see cref="Final"/> false) a missing link makes the packet <see cref="Deferred"/>: its verdict
/// comes later, from the attribution actor. A final judge (<see cref="Final"/> true) never defers: it judges with the
/// holders it found, and says so with <see cref="Unattributed"/>. With holders missing an identity criterion never
/// matches silently: a DROP rule matches only a holder whose image is known to satisfy it, an ACCEPT rule matches
/// only when every holder is known and satisfies it.
/// </remarks>
public sealed class PacketIdentity
{
    internal enum State : byte
    {
        Unresolved,
        /// <summary>Every holder's image is in <see cref="Images"/>.</summary>
        Complete,
        /// <summary>Final judge: some holders are known (maybe none).</summary>
        Incomplete,
        /// <summary>Hot path: something is missing; the packet is deferred.</summary>
        Pending,
    }

    private readonly IHolderImageSource? _source;
    private readonly HolderImages _images = new();
    private int[] _marks = new int[64];
    private int _generation;
    private int[] _candidates = new int[8];
    private int _candidateCount;
    private State _state;

    /// <param name="source">Null: no holder is ever known (identity rules never match, every reach is unattributed).</param>
    /// <param name="final">True for the judge of last resort, which never defers.</param>
    public PacketIdentity(IHolderImageSource? source, bool final)
    {
        _source = source;
        Final = final;
    }

    public bool Final { get; }

    /// <summary>The images found for the current packet (valid once a rule with identity criteria was reached).</summary>
    public HolderImages Images => _images;

    /// <summary>Packets whose judging consulted the holder source (a single writer: the owning thread).</summary>
    public long Lookups;

    /// <summary>The current packet reached an identity rule and its holders are not all in memory: its verdict must wait.</summary>
    public bool Deferred => _state == State.Pending;

    /// <summary>The current packet reached an identity rule and was judged without knowing all of its holders.</summary>
    public bool Unattributed => _state == State.Incomplete;

    /// <summary>The current packet reached an identity rule (its holders were looked up).</summary>
    public bool Consulted => _state != State.Unresolved;

    internal void Begin()
    {
        _state = State.Unresolved;
        _candidateCount = 0;
    }

    /// <summary>Resolves the holders once per packet and marks the rules of <paramref name="index"/> their digests name.</summary>
    internal State Resolve(ChainIndex index, Chain chain, in PacketHeaders headers)
    {
        if (_state != State.Unresolved)
            return _state;
        Lookups++;
        HolderResolution resolution = HolderResolution.Unattributable;
        if (_source is { } source)
            resolution = source.Resolve(chain, headers, _images);
        else
            _images.Clear();
        _state = resolution switch
        {
            HolderResolution.Complete => State.Complete,
            HolderResolution.Pending when !Final => State.Pending,
            _ => State.Incomplete,
        };
        if (_state != State.Pending)
            MarkIndexedRules(index);
        return _state;
    }

    private void MarkIndexedRules(ChainIndex index)
    {
        if (++_generation == int.MaxValue)
        {
            Array.Clear(_marks);
            _generation = 1;
        }
        if (_marks.Length < index.Length)
            _marks = new int[Math.Max(index.Length, _marks.Length * 2)];
        foreach (ProcessImage image in _images.Images)
        {
            foreach (int position in index.IndexedRulesSatisfiedBy(image))
            {
                if (_marks[position] == _generation)
                    continue;
                _marks[position] = _generation;
                if (_candidateCount == _candidates.Length)
                    Array.Resize(ref _candidates, _candidateCount * 2);
                _candidates[_candidateCount++] = position;
            }
        }
        if (_images.Count > 1)
            _candidates.AsSpan(0, _candidateCount).Sort();
    }

    /// <summary>Some holder's digest (or aggregate) is named by the indexed rule at <paramref name="position"/>.</summary>
    internal bool IsMarked(int position) => _marks[position] == _generation;

    /// <summary>Positions, ascending, of the indexed rules some holder's digests name.</summary>
    internal ReadOnlySpan<int> MarkedPositions => _candidates.AsSpan(0, _candidateCount);

    internal bool AllHoldersKnown => _state == State.Complete;
}
