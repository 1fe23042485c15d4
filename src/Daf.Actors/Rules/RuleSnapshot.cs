// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Packets;

namespace Daf.Actors.Rules;

/// <summary>
/// An immutable, compiled rule set. Queue readers hold a reference and judge packets with no
/// allocation and no lock; the rule store swaps in a new instance when the rules change.
/// </summary>
/// <remarks>
/// Semantics of <see cref="Judge"/>:
/// <list type="bullet">
/// <item>Rules are tried in chain order; the first whose criteria all hold decides; else the chain policy.</item>
/// <item>A rule with an address criterion (<c>-s</c>/<c>-d</c>), negated or not, applies only to packets of
/// that address's family: an IPv4 rule never matches an IPv6 packet (not even one with an IPv4-mapped
/// address) and vice versa. <c>0.0.0.0/0</c> matches every IPv4 packet, <c>::/0</c> every IPv6 packet.</item>
/// <item>A rule with a port criterion (<c>--sport</c>/<c>--dport</c>), negated or not, never matches a packet
/// without ports: ICMP/ICMPv6 and other portless protocols, a non-first fragment, or a packet whose L4
/// header was cut off by the copy range. So <c>! --dport 53 -v ACCEPT</c> does not accept ICMP.</item>
/// <item><c>-p all</c> (or <c>-p 0</c>) matches every packet and <c>! -p all</c> none.</item>
/// <item>Rules with identity criteria (<c>--sng-hash</c>, <c>--agg-hash</c>, <c>--unverifiable</c>, negated
/// or not) never match until the data plane learns who holds a packet's socket: such a DROP rule drops
/// nothing and such an ACCEPT rule accepts nothing; judging falls through to later rules and the policy.
/// <see cref="IdentityRuleCount"/> lets the daemon warn about them. <c>-n</c> is stored, not judged.</item>
/// </list>
/// Cost: rules naming a protocol and a destination port (or a range of up to 64 ports) are found through
/// a hash lookup, so such rules cost nearly nothing per packet whatever their number; other rules are
/// scanned, restricted to the packet's protocol.
/// </remarks>
public sealed class RuleSnapshot
{
    private readonly ChainIndex[] _chains;
    private readonly Verdict[] _policies;

    public long Version { get; }
    public ChainPolicies Policies { get; }
    /// <summary>The rule set this snapshot was compiled from.</summary>
    public RuleSet Rules { get; }
    /// <summary>How many rules have identity criteria and therefore never match yet.</summary>
    public int IdentityRuleCount { get; }

    private RuleSnapshot(RuleSet rules, long version)
    {
        Version = version;
        Rules = rules;
        Policies = rules.Policies;
        _policies = [Policies[Chain.Input], Policies[Chain.Output], Policies[Chain.Forward]];
        _chains = new ChainIndex[3];
        int identityRules = 0;
        foreach (Chain chain in Enum.GetValues<Chain>())
        {
            _chains[(int)chain] = new ChainIndex(rules[chain], out int chainIdentityRules);
            identityRules += chainIdentityRules;
        }
        IdentityRuleCount = identityRules;
    }

    public static RuleSnapshot Compile(RuleSet rules, long version) => new(rules, version);

    /// <summary>Judges one packet: the first matching rule of the chain wins, else the chain's policy.</summary>
    /// <param name="matchedRule">The 0-based index of the matching rule in its chain, or -1 for the policy.</param>
    public Verdict Judge(Chain chain, in PacketHeaders headers, out int matchedRule)
    {
        if (_chains[(int)chain].TryJudge(headers, out Verdict verdict, out matchedRule))
            return verdict;
        return _policies[(int)chain];
    }
}
