// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Rules;

/// <summary>
/// The rules of every chain plus the chain policies, as the user wrote them. Immutable.
/// STUB: replaced by the rules work.
/// </summary>
public sealed class RuleSet
{
    public ChainPolicies Policies { get; }

    public RuleSet(ChainPolicies policies) => Policies = policies;

    public static RuleSet Empty(ChainPolicies policies) => new(policies);

    public RuleSet WithPolicies(ChainPolicies policies) => new(policies);

    public int Count => 0;
}
