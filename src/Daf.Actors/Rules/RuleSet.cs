// SPDX-License-Identifier: Apache-2.0
using System.Collections.Immutable;

namespace Daf.Actors.Rules;

/// <summary>
/// The rules of every chain plus the chain policies, as the user wrote them. Immutable: every edit
/// returns a new set. Rule numbers are 1-based, as <c>ctl-fw -L</c> prints them.
/// </summary>
public sealed class RuleSet : IEquatable<RuleSet>
{
    private static readonly ImmutableArray<ImmutableArray<Rule>> NoRules = [[], [], []];

    private readonly ImmutableArray<ImmutableArray<Rule>> _chains;

    public ChainPolicies Policies { get; }

    public RuleSet(ChainPolicies policies)
        : this(policies, NoRules)
    {
    }

    private RuleSet(ChainPolicies policies, ImmutableArray<ImmutableArray<Rule>> chains)
    {
        Policies = policies;
        _chains = chains;
    }

    public static RuleSet Empty(ChainPolicies policies) => new(policies);

    /// <summary>The rules of one chain, in judging order.</summary>
    public ImmutableArray<Rule> this[Chain chain] => _chains[(int)chain];

    /// <summary>The number of rules in all chains.</summary>
    public int Count => _chains[0].Length + _chains[1].Length + _chains[2].Length;

    /// <summary>Some rule of some chain judges by identity (needs process tracking).</summary>
    public bool HasIdentityCriteria
    {
        get
        {
            foreach (ImmutableArray<Rule> rules in _chains)
            {
                foreach (Rule rule in rules)
                {
                    if (rule.HasIdentityCriteria)
                        return true;
                }
            }
            return false;
        }
    }

    public RuleSet WithPolicies(ChainPolicies policies) => new(policies, _chains);

    public RuleSet Append(Rule rule) => With(rule.Chain, this[rule.Chain].Add(rule));

    /// <summary>Inserts <paramref name="rule"/> so that it becomes rule <paramref name="number"/> of its chain.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="number"/> is not 1..Count+1 of the chain.</exception>
    public RuleSet Insert(int number, Rule rule)
    {
        var rules = this[rule.Chain];
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(number, rules.Length + 1);
        return With(rule.Chain, rules.Insert(number - 1, rule));
    }

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="number"/> is not a rule of the chain.</exception>
    public RuleSet Delete(Chain chain, int number)
    {
        var rules = this[chain];
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(number, rules.Length);
        return With(chain, rules.RemoveAt(number - 1));
    }

    /// <summary>Removes every rule of the chain, or of all chains when <paramref name="chain"/> is null. Policies stay.</summary>
    public RuleSet Flush(Chain? chain = null) => chain is { } c ? With(c, []) : new(Policies, NoRules);

    /// <summary>
    /// Applies an editing command. Fails with a reason for a rule number outside the chain.
    /// <see cref="RuleCommand.List"/> leaves the set unchanged.
    /// </summary>
    public bool TryApply(RuleCommand command, out RuleSet result, out string? error)
    {
        result = this;
        error = null;
        switch (command)
        {
            case RuleCommand.Append append:
                result = Append(append.Rule);
                return true;
            case RuleCommand.Insert insert when insert.Number <= this[insert.Rule.Chain].Length + 1:
                result = Insert(insert.Number, insert.Rule);
                return true;
            case RuleCommand.Insert insert:
                error = $"cannot insert as rule {insert.Number}: chain {RuleSyntax.ChainName(insert.Rule.Chain)} has {this[insert.Rule.Chain].Length} rules";
                return false;
            case RuleCommand.Delete delete when delete.Number <= this[delete.Chain].Length:
                result = Delete(delete.Chain, delete.Number);
                return true;
            case RuleCommand.Delete delete:
                error = $"no rule {delete.Number} in chain {RuleSyntax.ChainName(delete.Chain)}: it has {this[delete.Chain].Length} rules";
                return false;
            case RuleCommand.Flush flush:
                result = Flush(flush.Chain);
                return true;
            case RuleCommand.Policy policy:
                result = WithPolicies(Policies.With(policy.Chain, policy.Verdict));
                return true;
            case RuleCommand.List:
                return true;
            default:
                throw new ArgumentException($"unknown command {command}", nameof(command));
        }
    }

    public bool Equals(RuleSet? other)
    {
        if (other is null)
            return false;
        if (ReferenceEquals(this, other))
            return true;
        if (Policies != other.Policies)
            return false;
        for (int chain = 0; chain < _chains.Length; chain++)
        {
            if (!_chains[chain].SequenceEqual(other._chains[chain]))
                return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => Equals(obj as RuleSet);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Policies);
        foreach (var rules in _chains)
        {
            foreach (var rule in rules)
                hash.Add(rule);
        }
        return hash.ToHashCode();
    }

    private RuleSet With(Chain chain, ImmutableArray<Rule> rules) => new(Policies, _chains.SetItem((int)chain, rules));
}
