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

/// <summary>The attributor of another namespace: forwarded packets judged by the rules naming it, or handed on.</summary>
public sealed class NamespaceAttributionTests : TestKit
{
    private const ulong Own = 1, X = 2, Y = 3;
    private static readonly Sha256Digest Curl = Digest(1);
    private static readonly PacketHeaders Packet = Packets.Udp("10.0.0.1", "10.0.0.2", 40000, 53);

    private readonly SidedLookup _lookup = new();
    private readonly SidedHolders _holders = new();
    private readonly QueueCounters _counters = new();
    private readonly RuleSnapshotHolder _rules;

    public NamespaceAttributionTests()
    {
        // X's rule drops curl's packets; the daemon's own rule would drop every UDP packet.
        RuleSet rules = RulesFile.Parse("t", [$"-A -c OUTPUT -n /x --sng-hash {Curl} -v DROP", $"-A -c FORWARD -n /x --sng-hash {Curl} -v DROP",
            "-A -c OUTPUT -p udp -v DROP"], ChainPolicies.AllAccept);
        _rules = new RuleSnapshotHolder(RuleSnapshot.Compile(rules, 1, Own,
            (rule, inode) => rule.Namespace is null ? inode == Own : inode == X,
            [new NamespaceHandle(X, new MemoryStream())], counterSlots: 2, carried: null));
    }

    private sealed class SidedLookup : ISocketLookup
    {
        public volatile SocketLookupStatus SourceStatus = SocketLookupStatus.Found, DestinationStatus = SocketLookupStatus.NotFound;
        public readonly List<LocalSide> Sides = [];

        public SocketLookupResult Lookup(in PacketHeaders headers, LocalSide side, uint? uid)
        {
            lock (Sides) Sides.Add(side);
            var status = side == LocalSide.Source ? SourceStatus : DestinationStatus;
            return new SocketLookupResult(status, new LocatedSocket(77, 1, 0, 7, SocketKind.Udp), null);
        }
    }

    private sealed class SidedHolders : ISidedHolderImageSource
    {
        public ProcessImage[] Holders = [Image(10, Curl)];
        public volatile int LastSide = -1;

        public HolderResolution Resolve(in PacketHeaders headers, LocalSide side, HolderImages images)
        {
            LastSide = (int)side;
            images.Clear();
            foreach (ProcessImage image in Holders)
                images.Add(image);
            return HolderResolution.Complete;
        }
    }

    private IActorRef AttributorOf(ulong inode, IActorRef fallback) =>
        Sys.ActorOf(PacketAttributionActor.PropsForNamespace(inode, _lookup, _holders, ActorRefs.Nobody, _rules, 1,
            new AttributionOptions { Wait = TimeSpan.FromSeconds(5), RetryInterval = TimeSpan.FromMilliseconds(2) }, fallback));

    private AttributePacket Forwarded(Chain chain, uint id, IActorRef batcher, NamespaceSearch? search) =>
        new(chain, Packet, null, id, batcher, _counters) { Search = search };

    private static NamespaceSearch Search(IActorRef fallback, params IActorRef[] attributors) =>
        new(attributors.Select((a, i) => new NamespaceRoute(X + (ulong)i, null!, a)).ToArray(), 0, fallback);

    [Fact]
    public void A_forwarded_packet_whose_socket_is_in_the_namespace_is_judged_by_the_rules_naming_it()
    {
        var batcher = CreateTestProbe();
        var fallback = CreateTestProbe();
        var attributor = AttributorOf(X, fallback);

        attributor.Tell(Forwarded(Chain.Output, 5, batcher, Search(fallback, attributor)));

        Assert.Equal(new DeferredPacketJudged(5, Verdict.Drop), batcher.ExpectMsg<DeferredPacketJudged>(TimeSpan.FromSeconds(3)));
        Assert.Equal([LocalSide.Source], _lookup.Sides);
        Assert.Equal((int)LocalSide.Source, _holders.LastSide);
        Assert.Equal([1L, 0L], _rules.Current.MatchCounts(Chain.Output));
        fallback.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void A_holder_that_maps_no_named_object_passes_and_is_attributed()
    {
        var batcher = CreateTestProbe();
        _holders.Holders = [Image(11, Digest(9))];
        var attributor = AttributorOf(X, ActorRefs.Nobody);

        attributor.Tell(Forwarded(Chain.Output, 6, batcher, null) with { Side = LocalSide.Source });

        Assert.Equal(new DeferredPacketJudged(6, Verdict.Accept), batcher.ExpectMsg<DeferredPacketJudged>(TimeSpan.FromSeconds(3)));
        Assert.Equal(0L, Volatile.Read(ref _counters.Unattributed));
        Assert.Equal([LocalSide.Source], _lookup.Sides); // only on the side the reader found it on (a flow cache hit)
    }

    [Fact]
    public void The_forward_queue_looks_on_both_sides_and_judges_by_the_side_found()
    {
        var batcher = CreateTestProbe();
        _lookup.SourceStatus = SocketLookupStatus.NotFound;
        _lookup.DestinationStatus = SocketLookupStatus.Found;
        var attributor = AttributorOf(X, ActorRefs.Nobody);

        attributor.Tell(Forwarded(Chain.Forward, 7, batcher, Search(ActorRefs.Nobody, attributor)));

        Assert.Equal(new DeferredPacketJudged(7, Verdict.Drop), batcher.ExpectMsg<DeferredPacketJudged>(TimeSpan.FromSeconds(3)));
        Assert.Equal([LocalSide.Source, LocalSide.Destination], _lookup.Sides);
        Assert.Equal((int)LocalSide.Destination, _holders.LastSide);
    }

    [Fact]
    public void A_packet_not_found_in_the_namespace_goes_to_the_next_namespace_searched()
    {
        var batcher = CreateTestProbe();
        var next = CreateTestProbe();
        _lookup.SourceStatus = SocketLookupStatus.NotFound;
        var attributor = AttributorOf(X, ActorRefs.Nobody);

        attributor.Tell(Forwarded(Chain.Output, 8, batcher, Search(ActorRefs.Nobody, attributor, next)));

        var handed = next.ExpectMsg<AttributePacket>(TimeSpan.FromSeconds(3));
        Assert.Equal((8u, 1), (handed.PacketId, handed.Search!.Index));
        batcher.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void After_the_last_namespace_the_daemons_attributor_judges_it_as_its_own()
    {
        var batcher = CreateTestProbe();
        var fallback = CreateTestProbe();
        _lookup.SourceStatus = SocketLookupStatus.NotFound;
        var attributor = AttributorOf(X, fallback);

        attributor.Tell(Forwarded(Chain.Output, 9, batcher, Search(fallback, attributor)));

        var handed = fallback.ExpectMsg<AttributePacket>(TimeSpan.FromSeconds(3));
        Assert.Equal((9u, null, null), (handed.PacketId, handed.Search, handed.Side));
        batcher.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public void A_packet_of_a_namespace_no_rule_names_any_more_goes_to_the_daemons_attributor()
    {
        var batcher = CreateTestProbe();
        var fallback = CreateTestProbe();
        var attributor = AttributorOf(Y, fallback); // the snapshot has no rules for Y

        attributor.Tell(Forwarded(Chain.Output, 10, batcher, null) with { Side = LocalSide.Source });

        Assert.Equal(10u, fallback.ExpectMsg<AttributePacket>(TimeSpan.FromSeconds(3)).PacketId);
        batcher.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }
}
