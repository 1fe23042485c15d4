// SPDX-License-Identifier: Apache-2.0
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Daf.Actors.Attribution;
using Daf.Actors.Identity;
using Daf.Actors.Rules;
using Daf.Actors.Tracking;
using Daf.Interop.Namespaces;
using Daf.Interop.Tests;
using Daf.Tests.Shared;
using static Daf.Interop.Packets.IpProtocolNumbers;

namespace Daf.Actors.Tests.Attribution;

/// <summary>Locators made inside the namespaces rules name, and closed when no rule names them any more.</summary>
public sealed class ForeignNamespacesActorTests : TestKit
{
    private readonly SocketBed _bed = new("daf-fns");

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _bed.Dispose();
    }

    private static RuleSnapshot Compile(long version, ulong own, string[] lines, params NamespaceHandle[] foreign) =>
        RuleSnapshot.Compile(RulesFile.Parse("t", lines, ChainPolicies.AllAccept), version, own,
            (rule, inode) => rule.Namespace is null ? inode == own : foreign.Any(f => f.Inode == inode), foreign, counterSlots: 2, carried: null);

    [Fact]
    public void A_namespace_a_rule_names_gets_a_locator_made_inside_it_until_no_rule_names_it()
    {
        using NamespaceFile file = NamespaceFile.Open(_bed.Path);
        ulong own = NetworkNamespace.GetInode("/proc/self/ns/net");
        var holder = new RuleSnapshotHolder(Compile(1, own, [$"-A -c OUTPUT -n {_bed.Path} --sng-hash {new string('a', 64)} -v DROP"],
            new NamespaceHandle(file.Inode, file)));
        var routes = new NamespaceRoutes(ActorRefs.Nobody);
        Socket socket = _bed.Make(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp, new IPEndPoint(IPAddress.Loopback, 0));
        var local = (IPEndPoint)socket.LocalEndPoint!;

        Sys.ActorOf(ForeignNamespacesActor.Props(holder, routes, new SocketHolderTable(TimeSpan.FromMilliseconds(50)), new ProcessImageStore(),
            ActorRefs.Nobody, 1, new AttributionOptions(), new SocketLocatorOptions()));
        AwaitCondition(() => routes.Current.Length == 1, TimeSpan.FromSeconds(10));

        NamespaceRoute route = routes.Current[0];
        Assert.Equal(file.Inode, route.Inode);
        var packet = SocketLocatorKernelTests.Packet(IPPROTO_UDP, local, new IPEndPoint(IPAddress.Loopback, 9));
        SocketLookupResult found = route.Holders.Locator.Lookup(packet, LocalSide.Source, null);
        Assert.Equal(SocketLookupStatus.Found, found.Status);
        Assert.Equal(TestSockets.InodeOf(socket), found.Socket.Inode);

        Watch(route.Attributor);
        holder.Publish(Compile(2, own, ["-A -c OUTPUT -p udp -v DROP"]));
        Sys.EventStream.Publish(new RulesChanged(2, 1));
        AwaitCondition(() => routes.Current.Length == 0, TimeSpan.FromSeconds(10));
        ExpectTerminated(route.Attributor, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void A_namespace_file_closed_before_its_locator_is_made_gets_no_route()
    {
        var file = NamespaceFile.Open(_bed.Path);
        ulong inode = file.Inode;
        file.Dispose();
        ulong own = NetworkNamespace.GetInode("/proc/self/ns/net");
        var holder = new RuleSnapshotHolder(Compile(1, own, [$"-A -c OUTPUT -n {_bed.Path} -p udp -v DROP"], new NamespaceHandle(inode, file)));
        var routes = new NamespaceRoutes(ActorRefs.Nobody);

        var actor = Sys.ActorOf(ForeignNamespacesActor.Props(holder, routes, new SocketHolderTable(TimeSpan.FromMilliseconds(50)), new ProcessImageStore(),
            ActorRefs.Nobody, 1, new AttributionOptions(), new SocketLocatorOptions()));
        Watch(actor);

        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Empty(routes.Current);
    }

    [Fact]
    public void A_packet_sent_to_the_router_is_searched_in_the_namespaces_and_ends_with_the_daemons_attributor_when_not_found()
    {
        using NamespaceFile file = NamespaceFile.Open(_bed.Path);
        ulong own = NetworkNamespace.GetInode("/proc/self/ns/net");
        var holder = new RuleSnapshotHolder(Compile(1, own, [$"-A -c OUTPUT -n {_bed.Path} -p udp -v DROP"], new NamespaceHandle(file.Inode, file)));
        var fallback = CreateTestProbe();
        var batcher = CreateTestProbe();
        var routes = new NamespaceRoutes(fallback);
        var router = Sys.ActorOf(ForeignNamespacesActor.Props(holder, routes, new SocketHolderTable(TimeSpan.FromMilliseconds(50)), new ProcessImageStore(),
            ActorRefs.Nobody, 1, new AttributionOptions(), new SocketLocatorOptions()));
        var packet = SocketLocatorKernelTests.Packet(IPPROTO_UDP, new IPEndPoint(IPAddress.Parse("10.9.9.1"), 4000), new IPEndPoint(IPAddress.Parse("10.9.9.2"), 53));
        var counters = new Daf.Actors.Queue.QueueCounters();

        router.Tell(new AttributePacket(Chain.Output, packet, null, 21, batcher, counters));
        router.Tell(new AttributePacket(Chain.Input, packet, null, 22, batcher, counters));

        // OUTPUT: searched in the namespace (no such socket there), then handed on; INPUT: no rule of that namespace, at once.
        var handed = new[] { fallback.ExpectMsg<AttributePacket>(TimeSpan.FromSeconds(10)), fallback.ExpectMsg<AttributePacket>(TimeSpan.FromSeconds(10)) };
        Assert.Equal([21u, 22u], handed.Select(p => p.PacketId).Order());
        Assert.All(handed, p => Assert.Null(p.Search));
        Assert.Equal(router, routes.Router);
        batcher.ExpectNoMsg(TimeSpan.FromMilliseconds(50));
    }
}
