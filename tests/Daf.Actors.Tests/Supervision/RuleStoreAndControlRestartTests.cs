// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Daf.Actors.Control;
using Daf.Actors.Faults;
using Daf.Actors.Rules;
using Daf.Actors.Tests.Rules;

namespace Daf.Actors.Tests.Supervision;

/// <summary>The rule store and the control endpoint restart on failure or kill and lose nothing.</summary>
public sealed class RuleStoreAndControlRestartTests : TestKit, IDisposable
{
    private readonly string _stateDirectory = Directory.CreateTempSubdirectory("daf-superv-").FullName;
    private readonly FakeNamespaces _namespaces = new();
    private readonly RuleSnapshotHolder _holder;
    private readonly IActorRef _store;

    public RuleStoreAndControlRestartTests() : base(SupervisedTestKit.Config)
    {
        var settings = new RuleStoreSettings(_namespaces.Bindings(), RulesStateFile.In(_stateDirectory), 1);
        var rules = RuleSet.Empty(ChainPolicies.AllAccept);
        _holder = new RuleSnapshotHolder(settings.CompileAtStart(rules, []));
        _store = Sys.ActorOf(RuleStoreActor.Props(_holder, new RuleSetCell(rules, 1), settings), "rules");
    }

    private async Task<IControlReply> Ask(IActorRef target, IControlRequest request) =>
        await target.Ask<IControlReply>(request, SupervisedTestKit.Bound);

    private async Task Add(IActorRef target, string line)
    {
        Assert.True(CommandLineSplitter.TrySplit(line, out var arguments, out _));
        Assert.IsType<RulesUpdated>(await Ask(target, new ChangeRules(arguments, FakeNamespaces.InOwn)));
    }

    private string Persisted() => File.ReadAllText(Path.Combine(_stateDirectory, RulesStateFile.FileName));

    [Theory]
    [InlineData("throw")]
    [InlineData("kill")]
    public async Task A_failed_rule_store_comes_back_with_every_rule_and_its_version(string fault)
    {
        await Add(_store, "-A -c OUTPUT -p udp --dport 9 -v DROP");
        await Add(_store, "-A -c INPUT -s 10.0.0.0/8 -v ACCEPT");
        var before = Assert.IsType<RulesText>(await Ask(_store, new ListRules(null)));
        string persisted = Persisted();
        long published = _holder.Current.Version;

        _store.Tell(fault == "kill" ? Kill.Instance : new InjectFault(FaultKind.Throw));

        var after = Assert.IsType<RulesText>(await Ask(_store, new ListRules(null)));
        Assert.Equal(before.Text, after.Text);
        Assert.Equal(before.Version, after.Version);
        Assert.Equal(persisted, Persisted());
        Assert.Equal(published, _holder.Current.Version);
        await Add(_store, "-A -c OUTPUT -p tcp --dport 25 -v DROP");
        var third = Assert.IsType<RulesText>(await Ask(_store, new ListRules("OUTPUT")));
        Assert.Equal(before.Version + 1, third.Version);
        Assert.Contains("--dport 25", third.Text);
        Assert.Contains("--dport 9", third.Text);
    }

    [Theory]
    [InlineData("throw")]
    [InlineData("kill")]
    public async Task A_failed_control_endpoint_serves_the_next_request(string fault)
    {
        var control = Sys.ActorOf(ControlEndpointActor.Props(_store, TimeSpan.FromSeconds(5)), "control");
        await Add(control, "-A -c OUTPUT -p udp --dport 9 -v DROP");

        control.Tell(fault == "kill" ? Kill.Instance : new InjectFault(FaultKind.Throw));

        await Add(control, "-A -c OUTPUT -p udp --dport 10 -v DROP");
        var listed = Assert.IsType<RulesText>(await Ask(control, new ListRules("OUTPUT")));
        Assert.Contains("--dport 9", listed.Text);
        Assert.Contains("--dport 10", listed.Text);
    }

    void IDisposable.Dispose()
    {
        Shutdown();
        try { Directory.Delete(_stateDirectory, recursive: true); } catch (IOException) { }
    }
}
