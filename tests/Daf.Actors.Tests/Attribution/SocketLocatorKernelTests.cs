// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Daf.Actors.Attribution;
using Daf.Actors.Rules;
using Daf.Interop.Packets;
using Daf.Interop.Tests;
using Xunit.Abstractions;
using static Daf.Interop.Packets.IpProtocolNumbers;
using Daf.Tests.Shared;

namespace Daf.Actors.Tests.Attribution;

/// <summary>The locator against real sockets in a test namespace, with packet headers as the queue would parse them.</summary>
public sealed class SocketLocatorKernelTests : IDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly SocketBed _bed = new("daf-loc", allowPing: true);

    public SocketLocatorKernelTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _bed.Dispose();

    private Socket Make(Func<Socket> create) => _bed.Make(create);

    private SocketLocator Locator(SocketLocatorOptions? options = null) =>
        SocketLocator.OpenIn(_bed.Path, options ?? new SocketLocatorOptions());

    internal static PacketHeaders Packet(byte protocol, EndPoint source, EndPoint destination, byte tcpFlags = 0x10)
    {
        var s = (IPEndPoint)source;
        var d = (IPEndPoint)destination;
        return new PacketHeaders
        {
            IpVersion = s.AddressFamily == AddressFamily.InterNetwork ? (byte)4 : (byte)6,
            Protocol = protocol,
            Source = TestSockets.Address(s.Address),
            Destination = TestSockets.Address(d.Address),
            SourcePort = (ushort)s.Port,
            DestinationPort = (ushort)d.Port,
            HasPorts = true,
            TcpFlags = protocol == IPPROTO_TCP ? tcpFlags : (byte)0,
            L4Offset = 20,
        };
    }

    private (Socket Client, Socket Accepted, Socket Listener) TcpPair(IPAddress address) => _bed.TcpPair(address);

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void Output_packet_finds_the_sender_and_input_packet_the_receiver_then_both_are_cached(string address)
    {
        var (client, accepted, _) = TcpPair(IPAddress.Parse(address));
        using SocketLocator locator = Locator();
        PacketHeaders packet = Packet(IPPROTO_TCP, client.LocalEndPoint!, client.RemoteEndPoint!);

        Assert.False(locator.TryGetCached(Chain.Output, packet, out _));
        SocketLookupResult sent = locator.Lookup(Chain.Output, packet, uid: 0);
        SocketLookupResult received = locator.Lookup(Chain.Input, packet, uid: null);

        Assert.Equal(SocketLookupStatus.Found, sent.Status);
        Assert.Equal(TestSockets.InodeOf(client), sent.Socket.Inode);
        Assert.Equal(SocketKind.Tcp, sent.Socket.Kind);
        Assert.Equal(TestSockets.InodeOf(accepted), received.Socket.Inode);
        Assert.True(locator.TryGetCached(Chain.Output, packet, out LocatedSocket cachedSender));
        Assert.True(locator.TryGetCached(Chain.Input, packet, out LocatedSocket cachedReceiver));
        Assert.Equal(sent.Socket, cachedSender);
        Assert.Equal(received.Socket, cachedReceiver);
    }

    [Fact]
    public void Syn_is_attributed_to_the_listener_without_hiding_the_accepted_socket()
    {
        var (client, accepted, listener) = TcpPair(IPAddress.Loopback);
        using SocketLocator locator = Locator();
        var server = (IPEndPoint)listener.LocalEndPoint!;
        PacketHeaders syn = Packet(IPPROTO_TCP, new IPEndPoint(IPAddress.Loopback, 50001), server, tcpFlags: 0x02);
        PacketHeaders established = Packet(IPPROTO_TCP, client.LocalEndPoint!, server);

        SocketLookupResult first = locator.Lookup(Chain.Input, syn, null);
        SocketLookupResult data = locator.Lookup(Chain.Input, established, null);

        Assert.Equal(TestSockets.InodeOf(listener), first.Socket.Inode);
        Assert.True(locator.TryGetCached(Chain.Input, syn with { SourcePort = 50002 }, out LocatedSocket otherSyn));
        Assert.Equal(TestSockets.InodeOf(listener), otherSyn.Inode);
        Assert.Equal(TestSockets.InodeOf(accepted), data.Socket.Inode);
    }

    [Fact]
    public void Unconnected_udp_socket_is_cached_for_every_peer_and_dropped_on_invalidation()
    {
        Socket server = Make(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(IPAddress.Any, 0));
            return s;
        });
        var local = new IPEndPoint(IPAddress.Loopback, ((IPEndPoint)server.LocalEndPoint!).Port);
        using SocketLocator locator = Locator();
        PacketHeaders fromA = Packet(IPPROTO_UDP, new IPEndPoint(IPAddress.Loopback, 40000), local);
        PacketHeaders fromB = Packet(IPPROTO_UDP, new IPEndPoint(IPAddress.Loopback, 40001), local);

        SocketLookupResult found = locator.Lookup(Chain.Input, fromA, null);

        Assert.Equal(TestSockets.InodeOf(server), found.Socket.Inode);
        Assert.Equal(SocketKind.Udp, found.Socket.Kind);
        Assert.True(locator.TryGetCached(Chain.Input, fromB, out _));
        Assert.Equal(1, locator.Invalidate(found.Socket.Inode));
        Assert.False(locator.TryGetCached(Chain.Input, fromB, out _));
    }

    [Fact]
    public void A_closed_socket_is_not_found_and_nothing_is_cached()
    {
        var (client, _, _) = TcpPair(IPAddress.Loopback);
        PacketHeaders packet = Packet(IPPROTO_UDP, client.LocalEndPoint!, client.RemoteEndPoint!);
        using SocketLocator locator = Locator();

        Assert.Equal(SocketLookupStatus.NotFound, locator.Lookup(Chain.Output, packet, 0).Status);
        Assert.False(locator.TryGetCached(Chain.Output, packet, out _));
        Assert.Equal(1, locator.NotFound);
    }

    [Fact]
    public void Ping_socket_echo_is_attributed_by_its_identifier()
    {
        Socket ping = Make(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Icmp);
            s.Bind(new IPEndPoint(IPAddress.Loopback, 4321));
            return s;
        });
        using SocketLocator locator = Locator();
        PacketHeaders request = Packet(IPPROTO_ICMP, new IPEndPoint(IPAddress.Loopback, 0), new IPEndPoint(IPAddress.Loopback, 0))
            with { HasPorts = false, SourcePort = 0, DestinationPort = 0, IcmpType = 8, HasIcmpEchoId = true, IcmpEchoId = 4321 };
        PacketHeaders reply = request with { IcmpType = 0 };

        SocketLookupResult found = locator.Lookup(Chain.Output, request, 0);

        Assert.Equal(SocketKind.Ping, found.Socket.Kind);
        Assert.Equal(TestSockets.InodeOf(ping), found.Socket.Inode);
        Assert.True(locator.TryGetCached(Chain.Input, reply, out LocatedSocket replyOwner));
        Assert.Equal(found.Socket, replyOwner);
        // The kernel, not the ping socket, answers an incoming request with the same identifier.
        Assert.Equal(SocketLookupStatus.Unattributable, locator.Lookup(Chain.Input, request, null).Status);
    }

    [Fact]
    public void Icmp_without_a_ping_socket_falls_back_to_every_raw_icmp_socket()
    {
        Socket a = Make(() => new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp));
        Socket b = Make(() => new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp));
        using SocketLocator locator = Locator();
        PacketHeaders echo = Packet(IPPROTO_ICMP, new IPEndPoint(IPAddress.Loopback, 0), new IPEndPoint(IPAddress.Loopback, 0))
            with { HasPorts = false, HasIcmpEchoId = true, IcmpEchoId = 999 };
        PacketHeaders unreachable = echo with { IcmpType = 3, HasIcmpEchoId = false, IcmpEchoId = 0 };
        PacketHeaders gre = echo with { Protocol = 47, HasIcmpEchoId = false };

        SocketLookupResult viaEcho = locator.Lookup(Chain.Input, echo, null);
        SocketLookupResult viaOther = locator.Lookup(Chain.Input, unreachable, null);

        Assert.Equal(SocketKind.Raw, viaEcho.Socket.Kind);
        Assert.Equal(new[] { TestSockets.InodeOf(a), TestSockets.InodeOf(b) }.Order(), viaEcho.Candidates!.Select(c => c.Inode).Order());
        Assert.Equal(2, viaOther.Candidates!.Length);
        Assert.Equal(SocketLookupStatus.Unattributable, locator.Lookup(Chain.Input, gre, null).Status);
    }

    [Fact]
    public void One_uid_exhausting_its_lookups_does_not_limit_another()
    {
        using SocketLocator locator = Locator(new SocketLocatorOptions { LookupBurstPerUid = 3, LookupsPerSecondPerUid = 0.001 });
        var server = new IPEndPoint(IPAddress.Loopback, 9);

        SocketLookupStatus[] hostile = [.. Enumerable.Range(0, 5).Select(i =>
            locator.Lookup(Chain.Output, Packet(IPPROTO_UDP, new IPEndPoint(IPAddress.Loopback, 30000 + i), server), 1000).Status)];
        SocketLookupStatus other = locator.Lookup(Chain.Output, Packet(IPPROTO_UDP, new IPEndPoint(IPAddress.Loopback, 31000), server), 1001).Status;

        Assert.Equal([SocketLookupStatus.NotFound, SocketLookupStatus.NotFound, SocketLookupStatus.NotFound,
            SocketLookupStatus.RateLimited, SocketLookupStatus.RateLimited], hostile);
        Assert.Equal(SocketLookupStatus.NotFound, other);
        Assert.Equal(2, locator.RateLimited);
    }

    [Fact]
    public void Cached_lookups_allocate_nothing()
    {
        var (client, _, _) = TcpPair(IPAddress.Loopback);
        using SocketLocator locator = Locator();
        PacketHeaders packet = Packet(IPPROTO_TCP, client.LocalEndPoint!, client.RemoteEndPoint!);
        locator.Lookup(Chain.Output, packet, 0);
        locator.TryGetCached(Chain.Output, packet, out _);

        int found = 0;
        long allocated = Allocations.Measure(() => found += locator.TryGetCached(Chain.Output, packet, out _) ? 1 : 0);

        Assert.Equal(30_000, found);
        Assert.InRange(allocated, 0, Allocations.StrayBytes);
    }

}
