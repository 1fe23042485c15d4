// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Packets;

namespace Daf.Actors.Rules;

/// <summary>
/// An immutable, compiled rule set. Queue readers hold a reference and judge packets with no
/// allocation and no lock; the rule store swaps in a new instance when the rules change.
/// STUB: replaced by the rules work.
/// </summary>
public sealed class RuleSnapshot
{
    public long Version { get; }
    public ChainPolicies Policies { get; }

    private RuleSnapshot(long version, ChainPolicies policies)
    {
        Version = version;
        Policies = policies;
    }

    public static RuleSnapshot Compile(RuleSet rules, long version) => new(version, rules.Policies);

    /// <summary>Judges one packet: the first matching rule of the chain wins, else the chain's policy.</summary>
    /// <param name="matchedRule">The 0-based index of the matching rule in its chain, or -1 for the policy.</param>
    public Verdict Judge(Chain chain, in PacketHeaders headers, out int matchedRule)
    {
        matchedRule = -1;
        return Policies[chain];
    }
}
