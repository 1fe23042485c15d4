// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Host;
using Daf.Actors.Rules;

namespace Daf.Actors.Tests.Host;

public sealed class RuleSetChangesTests
{
    private static RuleSet Rules(params string[] lines) => RulesFile.Parse("test", lines, ChainPolicies.AllAccept);

    [Fact]
    public void Added_and_removed_rules_and_changed_policies_are_listed()
    {
        var before = Rules("-A -c OUTPUT -p udp --dport 9 -v DROP", "-A -c INPUT -p tcp --dport 22 -v ACCEPT");
        var after = Rules("-P INPUT DROP", "-A -c INPUT -p tcp --dport 22 -v ACCEPT", "-A -c OUTPUT -p udp --dport 53 -v DROP");

        var changes = RuleSetChanges.Between(before, after);

        Assert.Equal(
            ["-P INPUT DROP (was ACCEPT)", "- -A -c OUTPUT -p udp --dport 9 -v DROP", "+ -A -c OUTPUT -p udp --dport 53 -v DROP"],
            changes);
    }

    [Fact]
    public void The_same_rules_give_no_change()
    {
        var rules = Rules("-A -c OUTPUT -p udp --dport 9 -v DROP");

        Assert.Empty(RuleSetChanges.Between(rules, Rules("-A -c OUTPUT -p udp --dport 9 -v DROP")));
    }

    [Fact]
    public void A_duplicate_rule_removed_counts_once()
    {
        var before = Rules("-A -c OUTPUT -p udp -v DROP", "-A -c OUTPUT -p udp -v DROP");
        var after = Rules("-A -c OUTPUT -p udp -v DROP");

        Assert.Equal(["- -A -c OUTPUT -p udp -v DROP"], RuleSetChanges.Between(before, after));
    }

    [Fact]
    public void Reordered_rules_are_reported_as_such()
    {
        var before = Rules("-A -c OUTPUT -p udp -v DROP", "-A -c OUTPUT -p tcp -v ACCEPT");
        var after = Rules("-A -c OUTPUT -p tcp -v ACCEPT", "-A -c OUTPUT -p udp -v DROP");

        Assert.Equal(["OUTPUT: same rules, new order"], RuleSetChanges.Between(before, after));
    }
}
