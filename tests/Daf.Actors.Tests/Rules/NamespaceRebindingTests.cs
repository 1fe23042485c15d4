// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;
using static Daf.Actors.Tests.Rules.Packets;

namespace Daf.Actors.Tests.Rules;

/// <summary>Rules keep their namespace across a restart of the daemon within one boot.</summary>
public sealed class NamespaceRebindingTests : IDisposable
{
    private const string Shell = "/proc/300/ns/net";
    private readonly string _directory = Directory.CreateTempSubdirectory("daf-rebind-").FullName;
    private readonly FakeNamespaces _namespaces = new();

    private RulesStateFile State(string boot = "boot-a") => new(Path.Combine(_directory, RulesStateFile.FileName), boot);

    private static RuleSet Rules(params string[] lines) => RulesFile.Parse("test", lines, ChainPolicies.AllAccept);

    /// <summary>Saves the rules as the store does, with <paramref name="path"/> bound to <paramref name="inode"/>, then starts again.</summary>
    private (RuleSnapshot Snapshot, List<string> Warnings, NamespaceBindings Bindings) SaveAndRestart(RuleSet rules, string path, ulong inode, string bootAtRestart = "boot-a")
    {
        State().Save(rules, 5, p => p == path ? inode : null);
        var stateAtRestart = State(bootAtRestart);
        RuleSet loaded = stateAtRestart.LoadAtStart(null, ChainPolicies.AllAccept, out _);
        var warnings = new List<string>();
        var bindings = _namespaces.Bindings();
        var snapshot = new RuleStoreSettings(bindings, stateAtRestart, 1).CompileAtStart(loaded, warnings);
        return (snapshot, warnings, bindings);
    }

    [Fact]
    public void Saved_rules_carry_the_inode_of_their_namespace_and_the_boot()
    {
        State().Save(Rules($"-A -c OUTPUT -n {Shell} -p udp -v DROP", "-A -c OUTPUT -p tcp -v DROP"), 5, p => p == Shell ? 4026531840UL : null);

        Assert.Equal(new Dictionary<string, ulong> { [Shell] = 4026531840 }, State().NamespaceInodes());
        Assert.Empty(State("boot-b").NamespaceInodes());
        Assert.Contains($"-n {Shell} -p udp -v DROP # netns 4026531840\n", File.ReadAllText(State().Path));
    }

    /// <param name="pathNowNames">What the rule's path names at the restart; 0: nothing (the process is gone).</param>
    [Theory]
    [InlineData(0UL, FakeNamespaces.Own, Verdict.Drop)] // the shell exited; the daemon's own namespace is found as /proc/self/ns/net
    [InlineData(0UL, FakeNamespaces.Other, Verdict.Accept)] // found through a process in it; not this daemon's packets
    [InlineData(FakeNamespaces.Other, FakeNamespaces.Own, Verdict.Drop)] // the pid was reused elsewhere: the rule does not move
    public void A_rule_keeps_the_namespace_it_was_saved_with_across_a_restart(ulong pathNowNames, ulong savedInode, Verdict expected)
    {
        if (pathNowNames == 0)
            _namespaces.Remove(Shell);
        else
            _namespaces.Set(Shell, pathNowNames);

        var (snapshot, warnings, bindings) = SaveAndRestart(Rules($"-A -c OUTPUT -n {Shell} -p udp -v DROP"), Shell, savedInode);

        Assert.Empty(warnings);
        Assert.Equal(savedInode, bindings.InodeOf(Shell));
        Assert.Equal(expected, snapshot.Judge(Chain.Output, Udp("10.0.0.1", "10.0.0.2", 1, 9), out _));
        Assert.Equal(1, _namespaces.OpenHandles);
    }

    [Fact]
    public void A_namespace_that_is_gone_leaves_its_rules_listed_but_inactive_with_a_warning()
    {
        var (snapshot, warnings, bindings) = SaveAndRestart(Rules($"-A -c OUTPUT -n {Shell} -p udp -v DROP"), Shell, 999);

        Assert.Contains($"namespace file {Shell}", Assert.Single(warnings));
        Assert.Null(bindings.InodeOf(Shell));
        Assert.Single(snapshot.Rules[Chain.Output]);
        Assert.Equal(Verdict.Accept, snapshot.Judge(Chain.Output, Udp("10.0.0.1", "10.0.0.2", 1, 9), out _));
    }

    [Fact]
    public void Inodes_of_another_boot_are_not_trusted()
    {
        var (snapshot, warnings, _) = SaveAndRestart(Rules($"-A -c OUTPUT -n {Shell} -p udp -v DROP"), Shell, FakeNamespaces.Own, bootAtRestart: "boot-b");

        Assert.Single(warnings);
        Assert.Equal(Verdict.Accept, snapshot.Judge(Chain.Output, Udp("10.0.0.1", "10.0.0.2", 1, 9), out _));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
