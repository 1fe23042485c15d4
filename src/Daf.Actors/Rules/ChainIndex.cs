// SPDX-License-Identifier: Apache-2.0
using System.Collections.Frozen;
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
/// Rules with identity criteria are not judgeable yet; they are indexed by the digest they name
/// (<see cref="RulesNamingObject"/>, <see cref="RulesNamingAggregate"/>) so that judging them will cost a
/// lookup per holder digest, not a scan of every digest rule.
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

    /// <param name="appliesHere">False for a rule that cannot match here (another namespace's rule): it is left out entirely.</param>
    public ChainIndex(IReadOnlyList<Rule> rules, Func<Rule, bool> appliesHere, out int identityRules)
    {
        identityRules = 0;
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
            if (rule.HasIdentityCriteria)
            {
                identityRules++;
                if (rule.SingleHash is { Negated: false, Value: var single })
                    AddTo(bySingleHash, single, position);
                if (rule.AggregateHash is { Negated: false, Value: var aggregate })
                    AddTo(byAggregateHash, aggregate, position);
            }
            if (!CompiledRule.TryCompile(rule, position, out CompiledRule compiledRule))
                continue;
            int slot = compiled.Count;
            compiled.Add(compiledRule);

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
        int[] generalOnly = general.ToArray();
        _byProtocol = byProtocol.Select(list => list is null ? generalOnly : list.Concat(generalOnly).Order().ToArray()).ToArray();
        _byProtocolPort = byProtocolPort.ToFrozenDictionary(pair => pair.Key, pair => pair.Value.ToArray());
        _bySingleHash = bySingleHash.ToFrozenDictionary(pair => pair.Key, pair => pair.Value.ToArray());
        _byAggregateHash = byAggregateHash.ToFrozenDictionary(pair => pair.Key, pair => pair.Value.ToArray());
    }

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

    /// <summary>The first matching rule's verdict and 0-based chain position; false when none matches.</summary>
    public bool TryJudge(in PacketHeaders packet, out Verdict verdict, out int position)
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
            if (rule.Matches(packet))
            {
                verdict = rule.Verdict;
                position = rule.Position;
                return true;
            }
        }
        verdict = default;
        position = -1;
        return false;
    }

    private static int Key(byte protocol, ushort port) => (protocol << 16) | port;
}
