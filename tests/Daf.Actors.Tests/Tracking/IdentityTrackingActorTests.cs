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
}
