// SPDX-License-Identifier: Apache-2.0
using System.Net;
using System.Net.Sockets;
using Daf.Interop.SockDiag;
using static Daf.Interop.Packets.IpProtocolNumbers;
using Daf.Tests.Shared;

namespace Daf.Interop.Tests.SockDiag;

/// <summary>Exact sock_diag lookups against real sockets made inside a test namespace (loopback only).</summary>
public sealed class SockDiagKernelTests : IDisposable
{
    private readonly SocketBed _bed = new("daf-sdiag");

    public void Dispose() => _bed.Dispose();

    private Socket Make(Func<Socket> create) => _bed.Make(create);

    private (Socket Client, Socket Accepted, Socket Listener) TcpPair(IPAddress address, bool dualModeListener = false) =>
        _bed.TcpPair(address, dualModeListener);

    private static InetDiagMsg Find(SockDiagSocket diag, byte protocol, EndPoint local, EndPoint remote)
    {
        var l = (IPEndPoint)local;
        var r = (IPEndPoint)remote;
        Assert.Equal(InetDiagLookupStatus.Found, diag.Lookup(protocol, TestSockets.Address(l.Address), (ushort)l.Port,
            TestSockets.Address(r.Address), (ushort)r.Port, out InetDiagMsg found));
        return found;
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void Tcp_connection_is_found_from_the_client_and_the_server_side(string address)
    {
        var (client, accepted, _) = TcpPair(IPAddress.Parse(address));
        using var diag = SockDiagSocket.OpenIn(_bed.Path);

        InetDiagMsg clientSide = Find(diag, IPPROTO_TCP, client.LocalEndPoint!, client.RemoteEndPoint!);
        InetDiagMsg serverSide = Find(diag, IPPROTO_TCP, accepted.LocalEndPoint!, accepted.RemoteEndPoint!);

        Assert.Equal(TestSockets.InodeOf(client), clientSide.Inode);
        Assert.Equal(TestSockets.InodeOf(accepted), serverSide.Inode);
        Assert.Equal(1, clientSide.State); // TCP_ESTABLISHED
        Assert.Equal(0u, clientSide.Uid);
        Assert.NotEqual(0ul, clientSide.Cookie);
        Assert.NotEqual(clientSide.Cookie, serverSide.Cookie);
        Assert.Equal(((IPEndPoint)client.LocalEndPoint!).Port, clientSide.LocalPort);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void Syn_from_an_unknown_peer_finds_the_listening_socket(string address)
    {
        var (_, _, listener) = TcpPair(IPAddress.Parse(address));
        using var diag = SockDiagSocket.OpenIn(_bed.Path);
        var local = (IPEndPoint)listener.LocalEndPoint!;

        Assert.Equal(InetDiagLookupStatus.Found, diag.Lookup(IPPROTO_TCP, TestSockets.Address(local.Address), (ushort)local.Port,
            TestSockets.Address(IPAddress.Parse(address)), 54321, out InetDiagMsg found));

        Assert.Equal(TestSockets.InodeOf(listener), found.Inode);
        Assert.Equal(10, found.State); // TCP_LISTEN
    }

    [Fact]
    public void Ipv4_traffic_of_a_dual_stack_socket_is_found_with_ipv4_mapped_addresses()
    {
        var (client, accepted, listener) = TcpPair(IPAddress.Loopback, dualModeListener: true);
        using var diag = SockDiagSocket.OpenIn(_bed.Path);
        var server = (IPEndPoint)client.RemoteEndPoint!;
        var peer = (IPEndPoint)client.LocalEndPoint!;

        Assert.Equal(InetDiagLookupStatus.Found, diag.Lookup(IPPROTO_TCP, TestSockets.Address(server.Address), (ushort)server.Port,
            TestSockets.Address(peer.Address), (ushort)peer.Port, out InetDiagMsg found));
        Assert.Equal(InetDiagLookupStatus.Found, diag.Lookup(IPPROTO_TCP, TestSockets.Address(server.Address), (ushort)server.Port,
            TestSockets.Address(IPAddress.Loopback), 54321, out InetDiagMsg listening));

        Assert.Equal(TestSockets.InodeOf(accepted), found.Inode);
        Assert.Equal(SockDiagConstants.AF_INET6, found.Family);
        Assert.Equal(TestSockets.InodeOf(listener), listening.Inode);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void Connected_udp_socket_is_found(string address)
    {
        IPAddress ip = IPAddress.Parse(address);
        Socket server = Make(() =>
        {
            var s = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(ip, 0));
            return s;
        });
        Socket client = Make(() =>
        {
            var s = new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            s.Connect(server.LocalEndPoint!);
            return s;
        });
        using var diag = SockDiagSocket.OpenIn(_bed.Path);

        InetDiagMsg found = Find(diag, IPPROTO_UDP, client.LocalEndPoint!, client.RemoteEndPoint!);

        Assert.Equal(TestSockets.InodeOf(client), found.Inode);
        Assert.Equal(1, found.State); // TCP_ESTABLISHED: connected
    }

    [Theory]
    [InlineData("0.0.0.0", "127.0.0.1", false)]
    [InlineData("::", "::1", false)]
    [InlineData("::", "127.0.0.1", true)]
    public void Unconnected_udp_socket_bound_to_the_wildcard_is_found_with_the_packets_remote_side(string bind, string traffic, bool dualMode)
    {
        IPAddress bindAddress = IPAddress.Parse(bind);
        Socket server = Make(() =>
        {
            var s = new Socket(bindAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            if (dualMode)
                s.DualMode = true;
            s.Bind(new IPEndPoint(bindAddress, 0));
            return s;
        });
        int port = ((IPEndPoint)server.LocalEndPoint!).Port;
        IPAddress local = IPAddress.Parse(traffic);
        using var diag = SockDiagSocket.OpenIn(_bed.Path);

        Assert.Equal(InetDiagLookupStatus.Found, diag.Lookup(IPPROTO_UDP, TestSockets.Address(local), (ushort)port,
            TestSockets.Address(local), 40000, out InetDiagMsg found));

        Assert.Equal(TestSockets.InodeOf(server), found.Inode);
        Assert.Equal(7, found.State); // TCP_CLOSE: unconnected
    }

    [Fact]
    public void An_ipv6_request_with_ipv4_mapped_addresses_finds_the_same_socket_as_the_ipv4_request()
    {
        var (client, _, _) = TcpPair(IPAddress.Loopback);
        using var diag = SockDiagSocket.OpenIn(_bed.Path);
        var l = (IPEndPoint)client.LocalEndPoint!;
        var r = (IPEndPoint)client.RemoteEndPoint!;
        UInt128 local = TestSockets.Address(l.Address), remote = TestSockets.Address(r.Address);
        Span<byte> request = stackalloc byte[InetDiagReqV2.MessageSize];
        Span<byte> reply = stackalloc byte[1024];
        using var raw = _bed.Namespace.RunIn(() => Daf.Interop.Netlink.NetlinkSocket.Open(SockDiagConstants.NETLINK_SOCK_DIAG));

        InetDiagReqV2.WriteExactRequest(request, 1, SockDiagConstants.AF_INET6, IPPROTO_TCP, local, (ushort)l.Port, remote, (ushort)r.Port);
        raw.Send(request, "sendto");
        int received = raw.TryReceive(reply);

        Assert.Equal(SockDiagReply.Kind.Message, SockDiagReply.Parse(reply[..Math.Max(received, 0)], 1, out InetDiagMsg mapped, out _));
        Assert.Equal(TestSockets.InodeOf(client), mapped.Inode);
    }

    [Fact]
    public void No_socket_is_not_found_rather_than_an_error()
    {
        using var diag = SockDiagSocket.OpenIn(_bed.Path);
        UInt128 loopback = TestSockets.Address(IPAddress.Loopback);

        Assert.Equal(InetDiagLookupStatus.NotFound, diag.Lookup(IPPROTO_TCP, loopback, 9, loopback, 40000, out _));
        Assert.Equal(InetDiagLookupStatus.NotFound, diag.Lookup(IPPROTO_UDP, loopback, 9, loopback, 40000, out _));
        Assert.Equal(InetDiagLookupStatus.NotFound, diag.Lookup(IPPROTO_UDP, TestSockets.Address(IPAddress.IPv6Loopback), 9,
            TestSockets.Address(IPAddress.IPv6Loopback), 40000, out _));
    }

    [Fact]
    public void A_socket_of_another_namespace_is_not_found()
    {
        var (client, _, _) = TcpPair(IPAddress.Loopback);
        using var other = new TestNetns("daf-sdiag");
        using var diag = SockDiagSocket.OpenIn(other.Path);
        var l = (IPEndPoint)client.LocalEndPoint!;
        var r = (IPEndPoint)client.RemoteEndPoint!;

        Assert.Equal(InetDiagLookupStatus.NotFound, diag.Lookup(IPPROTO_TCP, TestSockets.Address(l.Address), (ushort)l.Port,
            TestSockets.Address(r.Address), (ushort)r.Port, out _));
    }

    [Fact]
    public void Lookups_allocate_nothing()
    {
        var (client, _, _) = TcpPair(IPAddress.Loopback);
        var l = (IPEndPoint)client.LocalEndPoint!;
        var r = (IPEndPoint)client.RemoteEndPoint!;
        UInt128 la = TestSockets.Address(l.Address), ra = TestSockets.Address(r.Address);
        using var diag = SockDiagSocket.OpenIn(_bed.Path);
        diag.Lookup(IPPROTO_TCP, la, (ushort)l.Port, ra, (ushort)r.Port, out _);
        diag.Lookup(IPPROTO_UDP, la, 9, ra, 9, out _);

        long allocated = Allocations.Measure(() =>
        {
            diag.Lookup(IPPROTO_TCP, la, (ushort)l.Port, ra, (ushort)r.Port, out _);
            diag.Lookup(IPPROTO_UDP, la, 9, ra, 9, out _);
        }, calls: 300);

        Assert.InRange(allocated, 0, Allocations.StrayBytes);
    }
}
