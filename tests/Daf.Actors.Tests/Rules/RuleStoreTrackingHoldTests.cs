// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Daf.Actors.Control;
using Daf.Actors.Faults;
using Daf.Actors.Rules;
using Daf.Actors.Tracking;

namespace Daf.Actors.Tests.Rules;

/// <summary>
/// The first rules with identity criteria take effect only once process tracking runs: the store holds the change
/// (bounded), answers its caller when it is in force, and keeps every request that arrives meanwhile in order.
/// </summary>
public sealed class RuleStoreTrackingHoldTests : TestKit, IDisposable
{
    private const string Digest = "6a3cf1c479f446eb0ef266a2607cd4f6751a655937a7103f7657db6cb6b3f49a";
    private const string IdentityRule = "-A -c OUTPUT --sng-hash " + Digest + " -v DROP";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly string _stateDirectory = Directory.CreateTempSubdirectory("daf-hold-").FullName;
    private readonly FakeNamespaces _namespaces = new();
    private readonly TestProbe _tracking;
    private RuleSnapshotHolder _holder = null!;
    private IActorRef _store;

    public RuleStoreTrackingHoldTests()
    {
        _tracking = CreateTestProbe();
        _store = Start(TimeSpan.FromSeconds(30));
    }

    public new void Dispose()
    {
        base.Dispose();
        Directory.Delete(_stateDirectory, recursive: true);
    }

    private IActorRef Start(TimeSpan trackingWait, params string[] lines)
    {
        var settings = new RuleStoreSettings(_namespaces.Bindings(), RulesStateFile.In(_stateDirectory), 1) { TrackingWait = trackingWait };
        RuleSet rules = RulesFile.Parse("t", lines, ChainPolicies.AllAccept);
        _holder = new RuleSnapshotHolder(settings.CompileAtStart(rules, []));
        return Sys.ActorOf(RuleStoreActor.Props(_holder, new RuleSetCell(rules, 1), settings, _tracking.Ref));
    }

    private Task<IControlReply> Change(string line)
    {
        Assert.True(CommandLineSplitter.TrySplit(line, out var arguments, out _));
        return _store.Ask<IControlReply>(new ChangeRules(arguments, FakeNamespaces.InOwn), Wait);
    }

    /// <summary>What the identity actor answers once the tracker runs.</summary>
    private void TrackingRuns()
    {
        var prepare = _tracking.ExpectMsg<PrepareTracking>(Wait);
        _tracking.Reply(new TrackingPrepared(prepare.Id, Events: true));
    }

    [Fact]
    public async Task The_first_identity_rule_waits_for_tracking_and_is_answered_once_in_force()
    {
        Task<IControlReply> reply = Change(IdentityRule);

        var prepare = _tracking.ExpectMsg<PrepareTracking>(Wait);
        await Task.Delay(200);
        Assert.False(reply.IsCompleted, "answered before tracking runs");
        Assert.Equal(1, _holder.Current.Version);
        Assert.Equal(0, _holder.Current.IdentityRuleCount);

        _tracking.Reply(new TrackingPrepared(prepare.Id, Events: true));
        var updated = Assert.IsType<RulesUpdated>(await reply);
        Assert.Equal(2, updated.Version);
        Assert.Equal(2, _holder.Current.Version);
        Assert.Equal(1, _holder.Current.IdentityRuleCount);
    }

    [Fact]
    public async Task Requests_arriving_while_a_change_is_held_are_handled_after_it_in_their_order()
    {
        Task<IControlReply> held = Change(IdentityRule);
        var prepare = _tracking.ExpectMsg<PrepareTracking>(Wait);
        Task<IControlReply> second = Change("-A -c OUTPUT -p udp --dport 9 -v DROP");
        Task<IControlReply> list = _store.Ask<IControlReply>(new ListRules("OUTPUT"), Wait);
        Task<IControlReply> third = Change("-I 1 -c OUTPUT -p tcp -v ACCEPT");
        Task<IControlReply> refused = Change("-D 9 -c OUTPUT");
        await Task.Delay(200);
        Assert.False(second.IsCompleted || list.IsCompleted || third.IsCompleted || refused.IsCompleted, "a request overtook the held change");

        _tracking.Reply(new TrackingPrepared(prepare.Id, Events: false));

        Assert.Equal(2, Assert.IsType<RulesUpdated>(await held).Version);
        Assert.Equal(3, Assert.IsType<RulesUpdated>(await second).Version);
        var text = Assert.IsType<RulesText>(await list);
        Assert.Equal(3, text.Version);
        Assert.Equal(4, Assert.IsType<RulesUpdated>(await third).Version);
        Assert.IsType<RequestRefused>(await refused);
        Assert.Equal(["-p tcp", "--sng-hash", "--dport 9"],
            _holder.Current.Rules[Chain.Output].Select(r => RuleFormatter.FormatRule(r)).Select(Distinctive));
        // Only the first identity rule waited: tracking was asked once.
        _tracking.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        static string Distinctive(string rule) =>
            rule.Contains("--sng-hash") ? "--sng-hash" : rule.Contains("--dport 9") ? "--dport 9" : "-p tcp";
    }

    [Fact]
    public async Task A_held_change_is_applied_anyway_once_the_bound_passes()
    {
        _store = Start(TimeSpan.FromMilliseconds(300));

        var updated = Assert.IsType<RulesUpdated>(await Change(IdentityRule));

        _tracking.ExpectMsg<PrepareTracking>(Wait);
        Assert.Equal(2, updated.Version);
        Assert.Equal(1, _holder.Current.IdentityRuleCount);
    }

    [Fact]
    public async Task Rules_without_identity_criteria_and_identity_rules_added_to_others_are_not_held()
    {
        Assert.IsType<RulesUpdated>(await Change("-A -c OUTPUT -p udp -v DROP"));
        _tracking.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        _store = Start(TimeSpan.FromSeconds(30), IdentityRule);
        Assert.IsType<RulesUpdated>(await Change("-A -c INPUT --unverifiable -v DROP"));
        _tracking.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task A_restore_bringing_identity_rules_is_held_too()
    {
        Task<IControlReply> reply = _store.Ask<IControlReply>(new RestoreRules(IdentityRule + "\n", FakeNamespaces.InOwn), Wait);

        TrackingRuns();

        Assert.IsType<RulesUpdated>(await reply);
        Assert.Equal(1, _holder.Current.IdentityRuleCount);
    }

    [Fact]
    public async Task An_answer_of_an_earlier_hold_does_not_release_the_current_one()
    {
        Task<IControlReply> reply = Change(IdentityRule);
        var prepare = _tracking.ExpectMsg<PrepareTracking>(Wait);

        _store.Tell(new TrackingPrepared(prepare.Id - 1, Events: true), _tracking.Ref);
        await Task.Delay(200);
        Assert.False(reply.IsCompleted);

        _tracking.Reply(new TrackingPrepared(prepare.Id, Events: true));
        Assert.IsType<RulesUpdated>(await reply);
    }

    [Fact]
    public async Task A_store_restarted_while_it_holds_a_change_handles_it_again_before_the_requests_behind_it()
    {
        Task<IControlReply> held = Change(IdentityRule);
        _tracking.ExpectMsg<PrepareTracking>(Wait);
        Task<IControlReply> second = Change("-A -c OUTPUT -p udp --dport 9 -v DROP");
        await Task.Delay(100);

        _store.Tell(new InjectFault(FaultKind.Throw));

        TrackingRuns(); // the new instance holds the change again and asks once more
        Assert.Equal(2, Assert.IsType<RulesUpdated>(await held).Version);
        Assert.Equal(3, Assert.IsType<RulesUpdated>(await second).Version);
        Assert.Equal(1, _holder.Current.IdentityRuleCount);
    }
}
