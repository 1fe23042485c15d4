// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;
using Daf.Interop.Packets;
using static Daf.Actors.Tests.Rules.Packets;

namespace Daf.Actors.Tests.Rules;

/// <summary>Namespace scope, match counters and the digest index of <see cref="RuleSnapshot"/>.</summary>
public class RuleSnapshotScopeTests
{
    private static RuleSet Rules(params string[] lines) => RulesFile.Parse("test", lines, ChainPolicies.AllAccept);

    private static Sha256Digest Digest(int i) => new(0, 0, 0, (ulong)i);

    [Fact]
    public void Rules_outside_the_scope_never_match_and_later_rules_keep_their_numbers()
    {
        RuleSet rules = Rules("-A -c OUTPUT -n /run/netns/elsewhere -p udp -v DROP", "-A -c OUTPUT -p udp --dport 9 -v DROP");

        RuleSnapshot snapshot = RuleSnapshot.Compile(rules, 2, rule => rule.Namespace is null, 1, null);

        Assert.Equal(Verdict.Accept, snapshot.Judge(Chain.Output, Udp("10.0.0.1", "10.0.0.2", 1, 53), out int none));
        Assert.Equal(-1, none);
        Assert.Equal(Verdict.Drop, snapshot.Judge(Chain.Output, Udp("10.0.0.1", "10.0.0.2", 1, 9), out int matched));
        Assert.Equal(1, matched);
    }

    [Fact]
    public void Each_slot_counts_its_own_matches_and_the_counts_add_up_with_the_carried_ones()
    {
        RuleSet rules = Rules("-A -c INPUT -p tcp -v ACCEPT", "-A -c INPUT -v DROP");
        long[][] carried = [[100, 0], [], []];
        RuleSnapshot snapshot = RuleSnapshot.Compile(rules, 2, _ => true, counterSlots: 3, carried);
        PacketHeaders tcp = Tcp("10.0.0.1", "10.0.0.2", 1, 2), udp = Udp("10.0.0.1", "10.0.0.2", 1, 2);

        for (int slot = 0; slot < 3; slot++)
            Assert.Equal(Verdict.Accept, snapshot.Judge(Chain.Input, tcp, counterSlot: slot));
        Assert.Equal(Verdict.Drop, snapshot.Judge(Chain.Input, udp, counterSlot: 2));
        Assert.Equal(Verdict.Drop, snapshot.Judge(Chain.Input, udp, counterSlot: -1));
        Assert.Equal(Verdict.Accept, snapshot.Judge(Chain.Output, udp, counterSlot: 0));

        Assert.Equal([103L, 1L], snapshot.MatchCounts(Chain.Input));
        Assert.Empty(snapshot.MatchCounts(Chain.Output));
    }

    [Fact]
    public void Carried_counts_must_fit_the_chains()
    {
        Assert.Throws<ArgumentException>(() => RuleSnapshot.Compile(Rules("-A -c INPUT -v DROP"), 2, _ => true, 1, [[], [], []]));
    }

    [Fact]
    public void Counts_follow_their_rules_through_insert_delete_and_flush()
    {
        RuleSnapshot snapshot = RuleSnapshot.Compile(Rules("-A -c OUTPUT -p tcp -v DROP", "-A -c OUTPUT -p udp -v DROP", "-A -c INPUT -v DROP"),
            2, _ => true, 1, [[5], [7, 9], []]);
        Rule rule = new(Chain.Output, Verdict.Accept);

        Assert.Equal([[5], [0, 7, 9], []], MatchCountCarrier.After(snapshot, new RuleCommand.Insert(1, rule)));
        Assert.Equal([[5], [7, 9, 0], []], MatchCountCarrier.After(snapshot, new RuleCommand.Append(rule)));
        Assert.Equal([[5], [9], []], MatchCountCarrier.After(snapshot, new RuleCommand.Delete(Chain.Output, 1)));
        Assert.Equal([[5], [], []], MatchCountCarrier.After(snapshot, new RuleCommand.Flush(Chain.Output)));
        Assert.Equal([[], [], []], MatchCountCarrier.After(snapshot, new RuleCommand.Flush(null)));
        Assert.Equal([[5], [7, 9], []], MatchCountCarrier.After(snapshot, new RuleCommand.Policy(Chain.Input, Verdict.Accept)));
    }

    [Fact]
    public void Digest_rules_are_found_by_digest_in_chain_order_whatever_their_number()
    {
        var rules = RuleSet.Empty(ChainPolicies.AllAccept);
        for (int i = 0; i < 10_000; i++)
            rules = rules.Append(new Rule(Chain.Output, Verdict.Drop) { SingleHash = Digest(i % 5_000) });
        rules = rules.Append(new Rule(Chain.Output, Verdict.Drop) { SingleHash = new Criterion<Sha256Digest>(Digest(42), Negated: true) });
        rules = rules.Append(new Rule(Chain.Output, Verdict.Accept) { AggregateHash = Digest(42) });
        rules = rules.Append(new Rule(Chain.Input, Verdict.Accept) { AggregateHash = Digest(42) });

        RuleSnapshot snapshot = RuleSnapshot.Compile(rules, 2);

        Assert.Equal([42, 5_042], snapshot.RulesNamingObject(Chain.Output, Digest(42)).ToArray());
        Assert.Equal([10_001], snapshot.RulesNamingAggregate(Chain.Output, Digest(42)).ToArray());
        Assert.Equal([0], snapshot.RulesNamingAggregate(Chain.Input, Digest(42)).ToArray());
        Assert.True(snapshot.RulesNamingObject(Chain.Output, Digest(5_000)).IsEmpty);
        Assert.True(snapshot.RulesNamingObject(Chain.Input, Digest(42)).IsEmpty);
        Assert.Equal(10_003, snapshot.IdentityRuleCount);
    }

    [Fact]
    public void Digest_rules_of_another_namespace_are_not_indexed()
    {
        RuleSet rules = RuleSet.Empty(ChainPolicies.AllAccept)
            .Append(new Rule(Chain.Output, Verdict.Drop) { SingleHash = Digest(1), Namespace = new Criterion<string>("/run/netns/x") });

        RuleSnapshot snapshot = RuleSnapshot.Compile(rules, 2, rule => rule.Namespace is null, 1, null);

        Assert.True(snapshot.RulesNamingObject(Chain.Output, Digest(1)).IsEmpty);
        Assert.Equal(0, snapshot.IdentityRuleCount);
    }
}
