// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;
using Daf.Interop.Packets;
using static Daf.Actors.Tests.Rules.Packets;

namespace Daf.Actors.Tests.Rules;

/// <summary>The snapshots the rule store compiles for the other namespaces rules name (<c>-n</c>).</summary>
public class RuleSnapshotNamespaceTests
{
    private const string OtherPath = "/run/netns/other", ThirdPath = "/run/netns/third";
    private const ulong Third = 4026533111;
    private static readonly PacketHeaders UdpPacket = Udp("10.0.0.1", "10.0.0.2", 40000, 53), TcpPacket = Tcp("10.0.0.1", "10.0.0.2", 40000, 80);

    private readonly FakeNamespaces _namespaces = new();

    private RuleSnapshot Compile(params string[] lines)
    {
        _namespaces.Set(ThirdPath, Third);
        RuleSet rules = RulesFile.Parse("test", lines, ChainPolicies.AllAccept);
        using NamespaceBindings bindings = _namespaces.Bindings();
        using NamespaceBindings.Staging staging = bindings.Stage();
        foreach (string path in new[] { OtherPath, ThirdPath, "/proc/self/ns/net" })
            Assert.Null(staging.TryResolve(path, null, out _));
        return new RuleStoreSettings(bindings, null, CounterSlots: 2).Compile(rules, 3, staging, carried: null);
    }

    [Fact]
    public void A_rule_naming_another_namespace_judges_in_that_namespaces_snapshot_only()
    {
        RuleSnapshot snapshot = Compile($"-A -c OUTPUT -n {OtherPath} -p udp -v DROP", "-A -c OUTPUT -p tcp -v DROP");

        RuleSnapshot other = Assert.Single(snapshot.ForeignNamespaces, ns => ns.Inode == FakeNamespaces.Other).Rules;
        Assert.Same(other, snapshot.ForNamespace(FakeNamespaces.Other));
        Assert.Equal(3, other.Version);
        Assert.Equal(Verdict.Drop, other.Judge(Chain.Output, UdpPacket, out int matched));
        Assert.Equal(0, matched);
        Assert.Equal(Verdict.Accept, other.Judge(Chain.Output, TcpPacket, out _)); // the daemon's rule is not X's
        Assert.Equal(Verdict.Accept, snapshot.Judge(Chain.Output, UdpPacket, out _));
        Assert.Equal(Verdict.Drop, snapshot.Judge(Chain.Output, TcpPacket, out _));
        Assert.True(other.JudgesAnything(Chain.Output));
        Assert.False(other.JudgesAnything(Chain.Input));
        Assert.Empty(other.ForeignNamespaces);
    }

    [Fact]
    public void Only_namespaces_named_without_negation_get_a_snapshot_and_a_negated_rule_applies_in_the_others()
    {
        RuleSnapshot snapshot = Compile($"-A -c OUTPUT ! -n {OtherPath} -p udp -v DROP", $"-A -c OUTPUT -n {ThirdPath} -p tcp -v DROP",
            $"-A -c INPUT -n {ThirdPath} -p tcp -v DROP", "-A -c INPUT -n /proc/self/ns/net -p udp -v DROP");

        Assert.Equal([Third], snapshot.ForeignNamespaces.Select(ns => ns.Inode));
        Assert.Null(snapshot.ForNamespace(FakeNamespaces.Other));
        RuleSnapshot third = snapshot.ForNamespace(Third)!;
        Assert.Equal(Verdict.Drop, third.Judge(Chain.Output, UdpPacket, out _));
        Assert.Equal(Verdict.Drop, third.Judge(Chain.Output, TcpPacket, out _));
        Assert.Equal(Verdict.Accept, third.Judge(Chain.Input, UdpPacket, out _)); // the daemon's own namespace, by path
        Assert.Equal(Verdict.Drop, snapshot.Judge(Chain.Output, UdpPacket, out _));
        Assert.Equal(Verdict.Accept, snapshot.Judge(Chain.Output, TcpPacket, out _));
        Assert.Equal(Verdict.Drop, snapshot.Judge(Chain.Input, UdpPacket, out _));
    }

    [Fact]
    public void Matches_in_every_namespace_add_up_in_the_rules_counts()
    {
        RuleSnapshot snapshot = Compile($"-A -c OUTPUT -n {OtherPath} -p udp -v DROP", "-A -c OUTPUT -p udp -v ACCEPT");
        RuleSnapshot other = snapshot.ForNamespace(FakeNamespaces.Other)!;

        other.Judge(Chain.Output, UdpPacket, counterSlot: 0);
        other.Judge(Chain.Output, UdpPacket, counterSlot: 1);
        snapshot.Judge(Chain.Output, UdpPacket, counterSlot: 1);

        Assert.Equal([2L, 1L], snapshot.MatchCounts(Chain.Output));
    }

    [Fact]
    public void Identity_rules_of_other_namespaces_count_anywhere_but_not_here()
    {
        RuleSnapshot snapshot = Compile($"-A -c OUTPUT -n {OtherPath} --sng-hash {new string('a', 64)} -v DROP");

        Assert.Equal(0, snapshot.IdentityRuleCount);
        Assert.Equal(1, snapshot.IdentityRuleCountAnywhere);
    }

    [Fact]
    public void A_namespace_that_cannot_be_bound_gets_no_snapshot_and_its_rules_match_nowhere()
    {
        RuleSet rules = RulesFile.Parse("test", [$"-A -c OUTPUT -n /run/netns/gone -p udp -v DROP"], ChainPolicies.AllAccept);
        using NamespaceBindings bindings = _namespaces.Bindings();
        var warnings = new List<string>();

        RuleSnapshot snapshot = new RuleStoreSettings(bindings, null, 1).CompileAtStart(rules, warnings);

        Assert.Single(warnings);
        Assert.Empty(snapshot.ForeignNamespaces);
        Assert.Equal(Verdict.Accept, snapshot.Judge(Chain.Output, UdpPacket, out _));
    }
}
