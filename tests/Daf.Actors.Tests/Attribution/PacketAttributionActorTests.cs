// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Daf.Actors.Attribution;
using Daf.Actors.Identity;
using Daf.Actors.Queue;
using Daf.Actors.Rules;
using Daf.Actors.Tests.Rules;
using Daf.Actors.Tracking;
using Daf.Actors.Verdicts;
using Daf.Interop.Packets;
using static Daf.Actors.Tests.Attribution.FakeHolderImages;

namespace Daf.Actors.Tests.Attribution;

public sealed class PacketAttributionActorTests : TestKit
{
    private static readonly Sha256Digest Curl = Digest(1), Wget = Digest(2);
    private static readonly PacketHeaders Packet = Packets.Udp("10.0.0.1", "10.0.0.2", 40000, 53);

    private readonly FakeHolderImages _holders = new() { Resolution = HolderResolution.Pending };
    private readonly FakeLookup _lookup = new();
    private readonly QueueCounters _counters = new();

    private sealed class FakeLookup : ISocketLookup
    {
        public volatile SocketLookupStatus Status = SocketLookupStatus.Found;
        public volatile SocketLookupStatus ReleasedStatus = SocketLookupStatus.NotFound;
        public volatile bool ReleaseMayArrive;
        public int Calls, ReleasedCalls;

        public SocketLookupResult Lookup(in PacketHeaders headers, LocalSide side, uint? uid)
        {
            Interlocked.Increment(ref Calls);
            return new SocketLookupResult(Status, new LocatedSocket(77, 1, 0, 7, SocketKind.Udp), null);
        }

        public SocketLookupResult LookupReleased(in PacketHeaders headers, LocalSide side)
        {
            Interlocked.Increment(ref ReleasedCalls);
            return new SocketLookupResult(ReleasedStatus, new LocatedSocket(78, 2, 0, 1, SocketKind.Udp), null);
        }

        public bool MayStillFindReleased(ulong missedAtNanoseconds) => ReleaseMayArrive;
    }

    private IActorRef Attributor(IActorRef tracker, TimeSpan wait)
    {
        var rules = new RuleSnapshotHolder(RuleSnapshot.Compile(
            RulesFile.Parse("t", [$"-A -c OUTPUT --sng-hash {Curl} -v DROP"], ChainPolicies.AllAccept), 1, _ => true, 2, null));
        return Sys.ActorOf(PacketAttributionActor.Props(_lookup, _holders, tracker, rules, 1,
            new AttributionOptions { Wait = wait, RetryInterval = TimeSpan.FromMilliseconds(2) }));
    }

    private AttributePacket Deferred(uint id, IActorRef batcher) => new(Chain.Output, Packet, 1000, id, batcher, _counters);

    [Fact]
    public void A_deferred_packet_gets_exactly_one_verdict_once_its_holder_image_appears()
    {
        var batcher = CreateTestProbe();
        var attributor = Attributor(ActorRefs.Nobody, TimeSpan.FromSeconds(5));
        attributor.Tell(Deferred(7, batcher));
        batcher.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        _holders.Holders = [Image(10, Curl)];
        _holders.Resolution = HolderResolution.Complete;
        Assert.Equal(new DeferredPacketJudged(7, Verdict.Drop), batcher.ExpectMsg<DeferredPacketJudged>(TimeSpan.FromSeconds(3)));
        batcher.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal((1L, 0L, 0L), (Volatile.Read(ref _counters.DeferredDropped), Volatile.Read(ref _counters.DeferredAccepted),
            Volatile.Read(ref _counters.Unattributed)));
    }

    [Fact]
    public void A_deferred_drop_is_written_to_its_queues_decision_log_with_the_matched_rule()
    {
        var batcher = CreateTestProbe();
        var log = CreateTestProbe();
        var attributor = Attributor(ActorRefs.Nobody, TimeSpan.FromSeconds(5));
        _holders.Holders = [Image(10, Curl)];
        _holders.Resolution = HolderResolution.Complete;

        attributor.Tell(Deferred(7, batcher) with { Decisions = new Daf.Actors.DecisionLog.DeferredDecisionLog(Chain.Output, 0, 100, logAccept: false, log) });

        Assert.Equal(new DeferredPacketJudged(7, Verdict.Drop), batcher.ExpectMsg<DeferredPacketJudged>(TimeSpan.FromSeconds(3)));
        var line = log.ExpectMsg<Daf.Actors.DecisionLog.DeferredDecision>(TimeSpan.FromSeconds(3));
        Assert.Equal((Verdict.Drop, 0, 7u, 1L, 1000u), (line.Record.Verdict, line.Record.MatchedRule, line.Record.PacketId, line.RuleVersion, line.Record.Uid));
    }

    [Fact]
    public void A_published_image_decides_a_waiting_packet_without_waiting_for_the_periodic_check()
    {
        var batcher = CreateTestProbe();
        var changes = new IdentityChangeSignal();
        var rules = new RuleSnapshotHolder(RuleSnapshot.Compile(
            RulesFile.Parse("t", [$"-A -c OUTPUT --sng-hash {Curl} -v DROP"], ChainPolicies.AllAccept), 1, _ => true, 2, null));
        // Neither the periodic check nor the bound comes within the test: only the publication can decide the packet.
        var attributor = Sys.ActorOf(PacketAttributionActor.Props(_lookup, _holders, ActorRefs.Nobody, rules, 1,
            new AttributionOptions { Wait = TimeSpan.FromHours(1), RetryInterval = TimeSpan.FromHours(1), Changes = changes }));
        attributor.Tell(Deferred(9, batcher));
        batcher.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        _holders.Holders = [Image(10, Curl)];
        _holders.Resolution = HolderResolution.Complete;
        changes.Notify();
        Assert.Equal(new DeferredPacketJudged(9, Verdict.Drop), batcher.ExpectMsg<DeferredPacketJudged>(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void A_packet_waiting_for_a_sockets_holders_hurries_the_event_reader_once()
    {
        var batcher = CreateTestProbe();
        int hurried = 0;
        _holders.MissingHoldersOf = 77;
        var rules = new RuleSnapshotHolder(RuleSnapshot.Compile(
            RulesFile.Parse("t", [$"-A -c OUTPUT --sng-hash {Curl} -v DROP"], ChainPolicies.AllAccept), 1, _ => true, 2, null));
        var attributor = Sys.ActorOf(PacketAttributionActor.Props(_lookup, _holders, ActorRefs.Nobody, rules, 1,
            new AttributionOptions { Wait = TimeSpan.FromMilliseconds(300), HurryEvents = () => Interlocked.Increment(ref hurried) }));
        attributor.Tell(Deferred(10, batcher));
        batcher.ExpectMsg<DeferredPacketJudged>(TimeSpan.FromSeconds(10));
        Assert.Equal(1, Volatile.Read(ref hurried));
    }

    [Fact]
    public void The_bounded_wait_fires_and_the_packet_is_judged_without_holders_and_counted_unattributed()
    {
        var batcher = CreateTestProbe();
        _holders.Holders = [Image(10, Wget)]; // one holder known, one never read: the DROP rule cannot match by it
        var attributor = Attributor(ActorRefs.Nobody, TimeSpan.FromMilliseconds(100));
        var started = DateTime.UtcNow;
        attributor.Tell(Deferred(8, batcher));
        Assert.Equal(new DeferredPacketJudged(8, Verdict.Accept), batcher.ExpectMsg<DeferredPacketJudged>(TimeSpan.FromSeconds(3)));
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(90), TimeSpan.FromSeconds(3));
        Assert.Equal(1L, Volatile.Read(ref _counters.Unattributed));
        batcher.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Assert.Equal(1L, _counters.DeferredHold.Count);
        Assert.True(_counters.DeferredHold.MaxMicroseconds >= 90_000, $"held {_counters.DeferredHold.MaxMicroseconds} µs, waited at least 100 ms");
    }

    [Fact]
    public void A_socket_the_kernel_does_not_know_is_judged_at_once()
    {
        var batcher = CreateTestProbe();
        _lookup.Status = SocketLookupStatus.NotFound;
        var attributor = Attributor(ActorRefs.Nobody, TimeSpan.FromSeconds(10));
        attributor.Tell(Deferred(9, batcher));
        Assert.Equal(new DeferredPacketJudged(9, Verdict.Accept), batcher.ExpectMsg<DeferredPacketJudged>(TimeSpan.FromSeconds(2)));
        Assert.Equal(1L, Volatile.Read(ref _counters.Unattributed));
    }

    [Fact]
    public void A_socket_gone_before_the_lookup_waits_for_its_release_and_is_judged_by_the_process_that_released_it()
    {
        var batcher = CreateTestProbe();
        _lookup.Status = SocketLookupStatus.NotFound;
        _lookup.ReleaseMayArrive = true;
        var attributor = Attributor(ActorRefs.Nobody, TimeSpan.FromSeconds(10));
        attributor.Tell(Deferred(11, batcher));
        batcher.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        // The tracker applies the release: the flow is found among released sockets, with its holder's image.
        _holders.Holders = [Image(10, Curl)];
        _holders.Resolution = HolderResolution.Complete;
        _lookup.ReleasedStatus = SocketLookupStatus.Found;
        Assert.Equal(new DeferredPacketJudged(11, Verdict.Drop), batcher.ExpectMsg<DeferredPacketJudged>(TimeSpan.FromSeconds(3)));
        Assert.Equal(1, Volatile.Read(ref _lookup.Calls)); // sock_diag once; then memory only
        Assert.True(Volatile.Read(ref _lookup.ReleasedCalls) >= 1);
        Assert.Equal(0L, Volatile.Read(ref _counters.Unattributed));
    }

    [Fact]
    public void A_socket_gone_with_no_release_coming_is_judged_once_the_tracker_has_caught_up()
    {
        var batcher = CreateTestProbe();
        _lookup.Status = SocketLookupStatus.NotFound;
        _lookup.ReleaseMayArrive = true;
        var attributor = Attributor(ActorRefs.Nobody, TimeSpan.FromSeconds(10));
        attributor.Tell(Deferred(12, batcher));
        batcher.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
        _lookup.ReleaseMayArrive = false; // the tracker applied the events of the miss: no release explains it
        Assert.Equal(new DeferredPacketJudged(12, Verdict.Accept), batcher.ExpectMsg<DeferredPacketJudged>(TimeSpan.FromSeconds(3)));
        Assert.Equal(1L, Volatile.Read(ref _counters.Unattributed));
    }

    [Fact]
    public void A_socket_without_known_holders_makes_one_fallback_scan_request()
    {
        var batcher = CreateTestProbe();
        var tracker = CreateTestProbe();
        _holders.MissingHoldersOf = 77;
        var attributor = Attributor(tracker, TimeSpan.FromMilliseconds(200));
        attributor.Tell(Deferred(10, batcher));
        Assert.Equal(new FindSocketHolders(77), tracker.ExpectMsg<FindSocketHolders>(TimeSpan.FromSeconds(2)));
        batcher.ExpectMsg<DeferredPacketJudged>(TimeSpan.FromSeconds(3));
        tracker.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    /// <summary>
    /// The holder's image is older than its generation counter (it exec'd or mapped code since): the packet waits, the
    /// tracker is asked once per stale image to have it read again, and the fresh image judges the packet.
    /// </summary>
    [Fact]
    public void A_stale_holder_image_asks_for_one_refresh_and_the_fresh_image_judges_the_packet()
    {
        var batcher = CreateTestProbe();
        var tracker = CreateTestProbe();
        ProcessImage stale = Image(10, Wget);
        _holders.Holders = [stale];
        _holders.StaleImage = stale;
        var attributor = Attributor(tracker, TimeSpan.FromSeconds(10));
        attributor.Tell(Deferred(12, batcher));
        Assert.Equal(new RefreshProcessImage(10), tracker.ExpectMsg<RefreshProcessImage>(TimeSpan.FromSeconds(2)));
        tracker.ExpectNoMsg(TimeSpan.FromMilliseconds(50)); // retried every 2 ms, asked once
        batcher.ExpectNoMsg(TimeSpan.FromMilliseconds(10));

        _holders.StaleImage = null;
        _holders.Holders = [Image(10, Curl)]; // after the dlopen
        _holders.Resolution = HolderResolution.Complete;
        Assert.Equal(new DeferredPacketJudged(12, Verdict.Drop), batcher.ExpectMsg<DeferredPacketJudged>(TimeSpan.FromSeconds(3)));
        Assert.Equal(0L, Volatile.Read(ref _counters.Unattributed));
    }

    [Fact]
    public void A_holder_without_an_image_yet_asks_once_for_its_read()
    {
        var batcher = CreateTestProbe();
        var tracker = CreateTestProbe();
        _holders.MissingImageOf = 11;
        var attributor = Attributor(tracker, TimeSpan.FromSeconds(10));
        attributor.Tell(Deferred(13, batcher));
        Assert.Equal(new RefreshProcessImage(11), tracker.ExpectMsg<RefreshProcessImage>(TimeSpan.FromSeconds(2)));
        tracker.ExpectNoMsg(TimeSpan.FromMilliseconds(50));

        _holders.MissingImageOf = 0;
        _holders.Holders = [Image(11, Wget)];
        _holders.Resolution = HolderResolution.Complete;
        Assert.Equal(new DeferredPacketJudged(13, Verdict.Accept), batcher.ExpectMsg<DeferredPacketJudged>(TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public void A_missing_image_is_asked_of_its_running_scanner_directly_not_behind_the_trackers_mailbox()
    {
        var batcher = CreateTestProbe();
        var tracker = CreateTestProbe();
        var scanner = CreateTestProbe();
        var store = new ProcessImageStore();
        store.AddScanner(11, scanner.Ref);
        _holders.MissingImageOf = 11;
        var rules = new RuleSnapshotHolder(RuleSnapshot.Compile(
            RulesFile.Parse("t", [$"-A -c OUTPUT --sng-hash {Curl} -v DROP"], ChainPolicies.AllAccept), 1, _ => true, 2, null));
        Sys.ActorOf(PacketAttributionActor.Props(_lookup, _holders, tracker, rules, 1,
            new AttributionOptions { Wait = TimeSpan.FromSeconds(10), Images = store })).Tell(Deferred(14, batcher));
        Assert.Equal(new RefreshProcessImage(11), scanner.ExpectMsg<RefreshProcessImage>(TimeSpan.FromSeconds(2)));
        tracker.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        store.RemoveScanner(11, scanner.Ref);
        _holders.MissingImageOf = 12; // no scanner of 12 here: through the tracker, which starts one if needed
        Assert.Equal(new RefreshProcessImage(12), tracker.ExpectMsg<RefreshProcessImage>(TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public void Many_deferred_packets_are_each_decided_once_and_none_waits_for_another()
    {
        var batcher = CreateTestProbe();
        var attributor = Attributor(ActorRefs.Nobody, TimeSpan.FromSeconds(5));
        for (uint id = 1; id <= 50; id++)
            attributor.Tell(Deferred(id, batcher));
        _holders.Holders = [Image(10, Wget)];
        _holders.Resolution = HolderResolution.Complete;
        var ids = Enumerable.Range(0, 50).Select(_ => batcher.ExpectMsg<DeferredPacketJudged>(TimeSpan.FromSeconds(3)).PacketId).ToList();
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (uint)i), ids.Order());
        batcher.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}
