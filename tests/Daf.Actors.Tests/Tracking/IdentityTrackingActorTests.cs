// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Daf.Actors.Identity;
using Daf.Actors.Rules;
using Daf.Actors.Tracking;

namespace Daf.Actors.Tests.Tracking;

public sealed class IdentityTrackingActorTests : TestKit
{
    private const string DigestRule = "-A -c OUTPUT --sng-hash 0101010101010101010101010101010101010101010101010101010101010101 -v DROP";

    private sealed class Relay(IActorRef target) : UntypedActor
    {
        private readonly IActorRef _target = target;

        protected override void PreStart() => _target.Tell("started");

        protected override void PostStop() => _target.Tell("stopped");

        protected override void OnReceive(object message) => _target.Tell(message);
    }

    private static RuleSnapshot Snapshot(long version, params string[] lines) =>
        RuleSnapshot.Compile(RulesFile.Parse("t", lines, ChainPolicies.AllAccept), version);

    [Fact]
    public void Holders_are_tracked_only_while_some_rule_has_identity_criteria()
    {
        var probe = CreateTestProbe();
        var rules = new RuleSnapshotHolder(Snapshot(1, "-A -c OUTPUT -p udp -v DROP"));
        var images = new ProcessImageStore();
        var tracking = Sys.ActorOf(IdentityTrackingActor.Props(rules, images, () => Props.Create(() => new Relay(probe))));
        // The answer proves the actor has started (and reconciled) before the rules change: on a loaded machine its
        // start may otherwise come after the digest rule is published, and it would start tracking at once.
        tracking.Tell(GetHolderTrackerStats.Instance);
        ExpectMsg<Status.Failure>(TimeSpan.FromSeconds(10));

        tracking.Tell(new FindSocketHolders(5));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        rules.Publish(Snapshot(2, DigestRule));
        tracking.Tell(new RulesChanged(2, 1));
        probe.ExpectMsg("started", TimeSpan.FromSeconds(10));
        tracking.Tell(new FindSocketHolders(5));
        Assert.Equal(new FindSocketHolders(5), probe.ExpectMsg<FindSocketHolders>(TimeSpan.FromSeconds(10)));

        rules.Publish(Snapshot(3));
        tracking.Tell(new RulesChanged(3, 0));
        probe.ExpectMsg("stopped", TimeSpan.FromSeconds(10));
        tracking.Tell(new FindSocketHolders(6));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void Preparing_starts_the_tracker_ahead_of_the_rules_and_is_answered_once_it_follows_processes()
    {
        var probe = CreateTestProbe();
        var rules = new RuleSnapshotHolder(Snapshot(1, "-A -c OUTPUT -p udp -v DROP"));
        TrackingReadiness? readiness = null;
        var tracking = Sys.ActorOf(IdentityTrackingActor.Props(rules, new ProcessImageStore(), r =>
        {
            readiness = r;
            return Props.Create(() => new Relay(probe));
        }, alwaysTrack: false));

        tracking.Tell(new PrepareTracking(7));
        probe.ExpectMsg("started", TimeSpan.FromSeconds(10));
        ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        readiness!.MarkReady(true);
        Assert.Equal(new TrackingPrepared(7, true), ExpectMsg<TrackingPrepared>(TimeSpan.FromSeconds(10)));
        tracking.Tell(new PrepareTracking(8));
        Assert.Equal(new TrackingPrepared(8, true), ExpectMsg<TrackingPrepared>(TimeSpan.FromSeconds(10)));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // the same tracker

        // The held change never came (refused): the next rule change without identity criteria stops it.
        rules.Publish(Snapshot(2));
        tracking.Tell(new RulesChanged(2, 0));
        probe.ExpectMsg("stopped", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_tracker_started_again_after_the_last_identity_rule_went_reports_its_own_readiness()
    {
        var probe = CreateTestProbe();
        var rules = new RuleSnapshotHolder(Snapshot(1, DigestRule));
        var readinesses = new List<TrackingReadiness>();
        var tracking = Sys.ActorOf(IdentityTrackingActor.Props(rules, new ProcessImageStore(), r =>
        {
            lock (readinesses) readinesses.Add(r);
            return Props.Create(() => new Relay(probe));
        }, alwaysTrack: false));
        probe.ExpectMsg("started", TimeSpan.FromSeconds(10));
        lock (readinesses) readinesses[0].MarkReady(true);

        rules.Publish(Snapshot(2));
        tracking.Tell(new RulesChanged(2, 0));
        probe.ExpectMsg("stopped", TimeSpan.FromSeconds(10));
        tracking.Tell(new PrepareTracking(3));
        probe.ExpectMsg("started", TimeSpan.FromSeconds(10));

        ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // the first tracker's readiness says nothing of this one
        lock (readinesses) readinesses[1].MarkReady(false);
        Assert.Equal(new TrackingPrepared(3, false), ExpectMsg<TrackingPrepared>(TimeSpan.FromSeconds(10)));
    }
}
