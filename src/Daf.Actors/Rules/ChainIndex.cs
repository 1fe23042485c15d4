// SPDX-License-Identifier: Apache-2.0
using System.Collections.Frozen;
using Daf.Actors.Identity;
using Daf.Interop.Packets;

namespace Daf.Actors.Rules;

/// <summary>
/// One chain's compiled rules plus a pre-filter, so that a packet is checked only against rules that
/// could match it. Every judgeable rule sits in exactly one bucket:
/// <list type="bullet">
/// <item>keyed by (protocol, destination port) when it names a port-carrying protocol (or none, then
/// under every port protocol) and a non-negated destination port range of at most
/// <see cref="MaxExpandedPorts"/> ports;</item>
/// <item>else keyed by protocol when it names a non-negated protocol;</item>
/// <item>else general.</item>
/// </list>
/// Each protocol's list holds its own rules merged with the general ones, in chain order. A packet's
/// candidates are the merge, in chain order, of its protocol's list and its (protocol, destination port)
/// bucket; each candidate is then checked in full.
/// Rules with identity criteria are judged per holder once their address, protocol and port criteria hold
/// (<see cref="PacketIdentity"/> resolves the holders lazily, at most once per packet). Rules naming a digest
/// (non-negated <c>--sng-hash</c>/<c>--agg-hash</c>) are indexed by it (<see cref="RulesNamingObject"/>,
/// <see cref="RulesNamingAggregate"/>); each holder image remembers which of them its digests name
/// (<see cref="IndexedRulesSatisfiedBy"/>, computed once per image and chain version), so a rule whose digest no holder
/// maps is rejected with one mark lookup. Digest rules with no other criterion are not scanned at all: only the
/// positions the holders' digests name are tried, so their number does not change the per-packet cost.
/// </summary>
internal sealed class ChainIndex
{
    private const int MaxExpandedPorts = 64;
    private static readonly byte[] PortProtocols =
    [
        IpProtocolNumbers.IPPROTO_TCP, IpProtocolNumbers.IPPROTO_UDP, IpProtocolNumbers.IPPROTO_UDPLITE,
        IpProtocolNumbers.IPPROTO_SCTP, IpProtocolNumbers.IPPROTO_DCCP,
    ];

    private readonly CompiledRule[] _rules;
    /// <summary>Per protocol number: the rules keyed by that protocol merged with the general rules.</summary>
    private readonly int[][] _byProtocol;
    private readonly FrozenDictionary<int, int[]> _byProtocolPort;
    private readonly FrozenDictionary<Sha256Digest, int[]> _bySingleHash;
    private readonly FrozenDictionary<Sha256Digest, int[]> _byAggregateHash;
    private readonly CompiledIdentity[] _identities;
    /// <summary>Per chain position: the slot of its compiled rule, -1 when the rule is left out.</summary>
    private readonly int[] _slotOfPosition;
    /// <summary>The first rule that names a digest and nothing else (never scanned), or int.MaxValue.</summary>
    private readonly int _firstDigestOnlyPosition = int.MaxValue;
    /// <summary>Which slot of <see cref="ProcessImage.RuleMatchMemo"/> this chain uses.</summary>
    private readonly int _memoSlot;

    /// <param name="appliesHere">False for a rule that cannot match here (another namespace's rule): it is left out entirely.</param>
    /// <param name="chain">The chain the rules belong to (each chain keeps its own memo in a holder image).</param>
    /// <param name="otherNamespace">The chain of a snapshot of another namespace than the daemon's: its own memo slots.</param>
    public ChainIndex(IReadOnlyList<Rule> rules, Chain chain, Func<Rule, bool> appliesHere, out int identityRules, bool otherNamespace = false)
    {
        identityRules = 0;
        _memoSlot = (int)chain + (otherNamespace ? 3 : 0);
        _slotOfPosition = new int[rules.Count];
        Array.Fill(_slotOfPosition, -1);
        var identities = new List<CompiledIdentity>();
        var compiled = new List<CompiledRule>();
        var general = new List<int>();
        var byProtocol = new List<int>?[256];
        var byProtocolPort = new Dictionary<int, List<int>>();
        var bySingleHash = new Dictionary<Sha256Digest, List<int>>();
        var byAggregateHash = new Dictionary<Sha256Digest, List<int>>();
        for (int position = 0; position < rules.Count; position++)
        {
            Rule rule = rules[position];
            if (!appliesHere(rule))
                continue;
            int identityIndex = -1;
            if (rule.HasIdentityCriteria)
            {
                identityRules++;
                identityIndex = identities.Count;
            }
            if (!CompiledRule.TryCompile(rule, position, identityIndex, out CompiledRule compiledRule))
                continue;
            int slot = compiled.Count;
            compiled.Add(compiledRule);
            _slotOfPosition[position] = slot;
            if (identityIndex >= 0)
            {
                var identity = new CompiledIdentity(rule);
                identities.Add(identity);
                if (rule.SingleHash is { Negated: false, Value: var single })
                    AddTo(bySingleHash, single, position);
                if (rule.AggregateHash is { Negated: false, Value: var aggregate })
                    AddTo(byAggregateHash, aggregate, position);
                if (identity.Indexed && compiledRule.MatchesEveryPacket)
                {
                    // Found through the holders' digests instead (see TryJudge).
                    _firstDigestOnlyPosition = Math.Min(_firstDigestOnlyPosition, position);
                    continue;
                }
            }

            byte? protocol = rule.Protocol is { Negated: false, Value: { IsAll: false } p } ? p.Number : null;
            if (rule.DestinationPort is { Negated: false, Value: var ports } && ports.Count <= MaxExpandedPorts
                && (protocol is null || IpProtocolNumbers.CarriesPorts(protocol.Value)))
            {
                foreach (byte keyProtocol in protocol is { } only ? [only] : PortProtocols)
                {
                    for (int port = ports.First; port <= ports.Last; port++)
                    {
                        int key = Key(keyProtocol, (ushort)port);
                        if (!byProtocolPort.TryGetValue(key, out var list))
                            byProtocolPort[key] = list = [];
                        list.Add(slot);
                    }
                }
            }
            else if (protocol is { } number)
            {
                (byProtocol[number] ??= []).Add(slot);
            }
            else
            {
                general.Add(slot);
            }
        }

        _rules = compiled.ToArray();
        _identities = identities.ToArray();
        int[] generalOnly = general.ToArray();
        _byProtocol = byProtocol.Select(list => list is null ? generalOnly : list.Concat(generalOnly).Order().ToArray()).ToArray();
        _byProtocolPort = byProtocolPort.ToFrozenDictionary(pair => pair.Key, pair => pair.Value.ToArray());
        _bySingleHash = bySingleHash.ToFrozenDictionary(pair => pair.Key, pair => pair.Value.ToArray());
        _byAggregateHash = byAggregateHash.ToFrozenDictionary(pair => pair.Key, pair => pair.Value.ToArray());
    }

    /// <summary>How many rules can match here (those left out are not counted).</summary>
    public int CompiledCount => _rules.Length;

    /// <summary>How many rules the chain has (including those left out).</summary>
    public int Length => _slotOfPosition.Length;

    /// <summary>
    /// The positions, ascending, of the indexed rules whose digest <paramref name="image"/> maps or whose aggregate
    /// it has. Computed the first time and kept in the image for this chain version: later calls cost a read.
    /// </summary>
    public ReadOnlySpan<int> IndexedRulesSatisfiedBy(ProcessImage image)
    {
        if (_bySingleHash.Count == 0 && _byAggregateHash.Count == 0)
            return default;
        ref object? memo = ref image.RuleMatchMemo[_memoSlot];
        if (Volatile.Read(ref memo) is IndexedRuleMatches known && known.Chain == this)
            return known.Positions;
        var positions = new List<int>();
        foreach (Sha256Digest digest in image.Digests)
            positions.AddRange(RulesNamingObject(digest));
        positions.AddRange(RulesNamingAggregate(image.Aggregate));
        int[] sorted = [.. positions.Distinct().Order()];
        Volatile.Write(ref memo, new IndexedRuleMatches(this, sorted));
        return sorted;
    }

    private sealed record IndexedRuleMatches(ChainIndex Chain, int[] Positions);

    /// <summary>The 0-based positions, in chain order, of the rules with a non-negated <c>--sng-hash</c> of <paramref name="digest"/>.</summary>
    public ReadOnlySpan<int> RulesNamingObject(in Sha256Digest digest) =>
        _bySingleHash.TryGetValue(digest, out int[]? positions) ? positions : default;

    /// <summary>The 0-based positions, in chain order, of the rules with a non-negated <c>--agg-hash</c> of <paramref name="digest"/>.</summary>
    public ReadOnlySpan<int> RulesNamingAggregate(in Sha256Digest digest) =>
        _byAggregateHash.TryGetValue(digest, out int[]? positions) ? positions : default;

    private static void AddTo(Dictionary<Sha256Digest, List<int>> index, Sha256Digest digest, int position)
    {
        if (!index.TryGetValue(digest, out var positions))
            index[digest] = positions = [];
        positions.Add(position);
    }

    /// <summary>The first matching rule's verdict and 0-based chain position; identity rules never match (no holder is known).</summary>
    public bool TryJudge(in PacketHeaders packet, out Verdict verdict, out int position) =>
        TryJudge(packet, AttestedApp.None, Chain.Input, null, out verdict, out position) == RuleMatch.Match;

    /// <summary>
    /// The first matching rule's verdict and 0-based chain position. When a rule with identity criteria is reached
    /// the holders are resolved through <paramref name="identity"/> (null: none are known); Deferred when they are
    /// not all in memory and the caller may wait for them.
    /// </summary>
    /// <param name="app">What the packet's verified tag attests (<c>--sig-app</c>).</param>
    public RuleMatch TryJudge(in PacketHeaders packet, in AttestedApp app, Chain chain, PacketIdentity? identity, out Verdict verdict, out int position)
    {
        ReadOnlySpan<int> candidates = _byProtocol[packet.Protocol];
        ReadOnlySpan<int> keyed = default;
        if (packet.HasPorts && _byProtocolPort.Count != 0
            && _byProtocolPort.TryGetValue(Key(packet.Protocol, packet.DestinationPort), out int[]? portRules))
            keyed = portRules;

        CompiledRule[] rules = _rules;
        int i = 0, j = 0;
        while (i < candidates.Length || j < keyed.Length)
        {
            int slot = j == keyed.Length || (i < candidates.Length && candidates[i] < keyed[j]) ? candidates[i++] : keyed[j++];
            ref readonly CompiledRule rule = ref rules[slot];
            if (!rule.Matches(packet, app))
                continue;
            if (rule.IdentityIndex >= 0)
            {
                RuleMatch identityMatch = MatchIdentity(rule, packet, chain, identity);
                if (identityMatch == RuleMatch.Deferred)
                    return Deferred(out verdict, out position);
                if (identityMatch == RuleMatch.NoMatch)
                    continue;
            }
            if (rule.Position > _firstDigestOnlyPosition && identity is not null)
            {
                // A digest-only rule before this one may match first.
                RuleMatch earlier = TryJudgeDigestOnly(packet, chain, identity, rule.Position, out verdict, out position);
                if (earlier != RuleMatch.NoMatch)
                    return earlier;
            }
            verdict = rule.Verdict;
            position = rule.Position;
            return RuleMatch.Match;
        }
        if (_firstDigestOnlyPosition != int.MaxValue && identity is not null)
            return TryJudgeDigestOnly(packet, chain, identity, int.MaxValue, out verdict, out position);
        verdict = default;
        position = -1;
        return RuleMatch.NoMatch;
    }

    private static RuleMatch Deferred(out Verdict verdict, out int position)
    {
        verdict = default;
        position = -1;
        return RuleMatch.Deferred;
    }

    /// <summary>Tries the digest-only rules before <paramref name="bound"/> that some holder's digests name, in chain order.</summary>
    private RuleMatch TryJudgeDigestOnly(in PacketHeaders packet, Chain chain, PacketIdentity identity, int bound,
        out Verdict verdict, out int position)
    {
        verdict = default;
        position = -1;
        if (_firstDigestOnlyPosition >= bound)
            return RuleMatch.NoMatch;
        if (identity.Resolve(this, chain, packet) == PacketIdentity.State.Pending)
            return Deferred(out verdict, out position);
        foreach (int candidate in identity.MarkedPositions)
        {
            if (candidate >= bound)
                break;
            int slot = _slotOfPosition[candidate];
            if (slot < 0)
                continue;
            ref readonly CompiledRule rule = ref _rules[slot];
            if (!rule.MatchesEveryPacket || MatchIdentity(rule, packet, chain, identity) != RuleMatch.Match)
                continue;
            verdict = rule.Verdict;
            position = rule.Position;
            return RuleMatch.Match;
        }
        return RuleMatch.NoMatch;
    }

    /// <summary>DROP: some holder satisfies the identity criteria. ACCEPT: every holder does, all are known, and there is one.</summary>
    private RuleMatch MatchIdentity(in CompiledRule rule, in PacketHeaders packet, Chain chain, PacketIdentity? identity)
    {
        if (identity is null)
            return RuleMatch.NoMatch;
        if (identity.Resolve(this, chain, packet) == PacketIdentity.State.Pending)
            return RuleMatch.Deferred;
        ref readonly CompiledIdentity criteria = ref _identities[rule.IdentityIndex];
        if (criteria.Indexed && !identity.IsMarked(rule.Position))
            return RuleMatch.NoMatch;
        ReadOnlySpan<ProcessImage> images = identity.Images.Images;
        if (rule.Verdict == Verdict.Drop)
        {
            foreach (ProcessImage image in images)
            {
                if (criteria.SatisfiedBy(image, Verdict.Drop))
                    return RuleMatch.Match;
            }
            return RuleMatch.NoMatch;
        }
        if (!identity.AllHoldersKnown || images.IsEmpty)
            return RuleMatch.NoMatch;
        foreach (ProcessImage image in images)
        {
            if (!criteria.SatisfiedBy(image, rule.Verdict))
                return RuleMatch.NoMatch;
        }
        return RuleMatch.Match;
    }

    private static int Key(byte protocol, ushort port) => (protocol << 16) | port;
}
