// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Packets;

namespace Daf.Actors.Rules;

/// <summary>
/// An immutable, compiled rule set. Queue readers hold a reference and judge packets with no
/// allocation and no lock; the rule store swaps in a new instance when the rules change.
/// </summary>
/// <remarks>
/// Judged criteria: addresses, protocol and ports (see <see cref="CompiledRule"/> for the family and
/// portless-packet semantics). Rules with identity criteria (<c>--sng-hash</c>, <c>--agg-hash</c>,
/// <c>--unverifiable</c>, negated or not) never match until the data plane learns who holds a packet's
/// socket: such a DROP rule drops nothing and such an ACCEPT rule accepts nothing; judging falls through
/// to later rules and the policy. <see cref="IdentityRuleCount"/> lets the daemon warn about them.
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
