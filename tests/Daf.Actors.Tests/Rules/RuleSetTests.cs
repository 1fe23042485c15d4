// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;

namespace Daf.Actors.Tests.Rules;

public class RuleSetTests
{
    private static Rule Rule(Chain chain, Verdict verdict, ushort port) =>
        new(chain, verdict) { DestinationPort = PortRange.Single(port) };

    private static ushort[] Ports(RuleSet rules, Chain chain) =>
        rules[chain].Select(rule => rule.DestinationPort!.Value.Value.First).ToArray();

    [Fact]
    public void Edits_return_new_sets_and_leave_the_original_unchanged()
    {
        RuleSet empty = RuleSet.Empty(ChainPolicies.AllAccept);

        RuleSet one = empty.Append(Rule(Chain.Output, Verdict.Drop, 1));

        Assert.Equal(0, empty.Count);
        Assert.Equal(1, one.Count);
        Assert.Empty(one[Chain.Input]);
        Assert.Single(one[Chain.Output]);
    }

    [Fact]
    public void Append_insert_and_delete_use_one_based_numbers()
    {
        RuleSet rules = RuleSet.Empty(ChainPolicies.AllAccept)
            .Append(Rule(Chain.Output, Verdict.Drop, 1))
            .Append(Rule(Chain.Output, Verdict.Drop, 2))
            .Insert(1, Rule(Chain.Output, Verdict.Drop, 0))
            .Insert(4, Rule(Chain.Output, Verdict.Drop, 3))
            .Insert(3, Rule(Chain.Output, Verdict.Drop, 9))
            .Append(Rule(Chain.Input, Verdict.Accept, 7));

        Assert.Equal([0, 1, 9, 2, 3], Ports(rules, Chain.Output));
        Assert.Equal(6, rules.Count);

        rules = rules.Delete(Chain.Output, 3).Delete(Chain.Output, 1);

        Assert.Equal([1, 2, 3], Ports(rules, Chain.Output));
        Assert.Equal([7], Ports(rules, Chain.Input));
    }

    [Fact]
    public void Out_of_range_numbers_throw_from_the_methods_and_fail_from_TryApply()
    {
        RuleSet rules = RuleSet.Empty(ChainPolicies.AllAccept).Append(Rule(Chain.Output, Verdict.Drop, 1));

        Assert.Throws<ArgumentOutOfRangeException>(() => rules.Insert(3, Rule(Chain.Output, Verdict.Drop, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => rules.Insert(0, Rule(Chain.Output, Verdict.Drop, 2)));
        Assert.Throws<ArgumentOutOfRangeException>(() => rules.Delete(Chain.Output, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => rules.Delete(Chain.Input, 1));

        Assert.False(rules.TryApply(new RuleCommand.Delete(Chain.Output, 2), out RuleSet unchanged, out string? error));
        Assert.Same(rules, unchanged);
        Assert.Equal("no rule 2 in chain OUTPUT: it has 1 rules", error);
        Assert.False(rules.TryApply(new RuleCommand.Insert(3, Rule(Chain.Output, Verdict.Drop, 2)), out _, out error));
        Assert.Equal("cannot insert as rule 3: chain OUTPUT has 1 rules", error);
    }

    [Fact]
    public void Flush_removes_one_chain_or_all_and_keeps_policies()
    {
        var policies = new ChainPolicies(Verdict.Drop, Verdict.Accept, Verdict.Drop);
        RuleSet rules = RuleSet.Empty(policies)
            .Append(Rule(Chain.Output, Verdict.Drop, 1))
            .Append(Rule(Chain.Input, Verdict.Drop, 2))
            .Append(Rule(Chain.Forward, Verdict.Drop, 3));

        Assert.Equal(2, rules.Flush(Chain.Output).Count);
        Assert.Empty(rules.Flush(Chain.Output)[Chain.Output]);
        Assert.Equal(0, rules.Flush().Count);
        Assert.Equal(policies, rules.Flush().Policies);
    }

    [Fact]
    public void TryApply_runs_every_command()
    {
        RuleSet rules = RuleSet.Empty(ChainPolicies.AllAccept);
        string[] commands =
        [
            "-A -c OUTPUT --dport 2 -v DROP",
            "-I -c OUTPUT --dport 1 -v DROP",
            "-I 3 -c OUTPUT --dport 3 -v DROP",
            "-A -c INPUT --dport 4 -v DROP",
            "-P FORWARD DROP",
            "-D 2 -c OUTPUT",
            "-F -c INPUT",
            "-L",
        ];
        foreach (string command in commands)
            Assert.True(rules.TryApply(RuleCommandParser.ParseLine(command).Command!, out rules, out string? error), error);

        Assert.Equal([1, 3], Ports(rules, Chain.Output));
        Assert.Empty(rules[Chain.Input]);
        Assert.Equal(Verdict.Drop, rules.Policies.Forward);
    }

    [Fact]
    public void Equality_is_by_policies_and_rules_in_order()
    {
        RuleSet a = RuleSet.Empty(ChainPolicies.AllAccept).Append(Rule(Chain.Output, Verdict.Drop, 1)).Append(Rule(Chain.Output, Verdict.Drop, 2));
        RuleSet b = RuleSet.Empty(ChainPolicies.AllAccept).Append(Rule(Chain.Output, Verdict.Drop, 1)).Append(Rule(Chain.Output, Verdict.Drop, 2));
        RuleSet reordered = RuleSet.Empty(ChainPolicies.AllAccept).Append(Rule(Chain.Output, Verdict.Drop, 2)).Append(Rule(Chain.Output, Verdict.Drop, 1));

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, reordered);
        Assert.NotEqual(a, a.WithPolicies(a.Policies.With(Chain.Input, Verdict.Drop)));
    }
}
