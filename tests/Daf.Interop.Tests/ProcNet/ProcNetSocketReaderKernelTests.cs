// SPDX-License-Identifier: Apache-2.0
using System.Net;
using System.Net.Sockets;
using Daf.Interop.ProcNet;

namespace Daf.Interop.Tests.ProcNet;

/// <summary>Ping and raw sockets made inside a test namespace (ping allowed there by net.ipv4.ping_group_range).</summary>
public sealed class ProcNetSocketReaderKernelTests : IDisposable
{
    private readonly SocketBed _bed = new("daf-pnet", allowPing: true);

    public void Dispose() => _bed.Dispose();

    private Socket Make(AddressFamily family, SocketType type, ProtocolType protocol, EndPoint? bind) =>
        _bed.Make(family, type, protocol, bind);

    [Fact]
    public void Ping_sockets_are_found_by_local_address_and_echo_id()
    {
        Socket v4 = Make(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Icmp, new IPEndPoint(IPAddress.Loopback, 4242));
        Socket v6 = Make(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.IcmpV6, new IPEndPoint(IPAddress.IPv6Loopback, 777));
        using var reader = ProcNetSocketReader.OpenIn(_bed.Path);

        Assert.True(reader.TryFindPing(false, TestSockets.Address(IPAddress.Loopback), 4242, out ProcNetSocketEntry p4));
        Assert.True(reader.TryFindPing(true, TestSockets.Address(IPAddress.IPv6Loopback), 777, out ProcNetSocketEntry p6));
        Assert.False(reader.TryFindPing(false, TestSockets.Address(IPAddress.Loopback), 4243, out _));

        Assert.Equal(TestSockets.InodeOf(v4), p4.Inode);
        Assert.Equal(TestSockets.InodeOf(v6), p6.Inode);
    }

    [Fact]
    public void A_ping_socket_created_after_the_first_read_is_found_by_the_refresh_on_a_miss()
    {
        using var reader = ProcNetSocketReader.OpenIn(_bed.Path, minRefreshInterval: TimeSpan.Zero);
        Assert.False(reader.TryFindPing(false, TestSockets.Address(IPAddress.Loopback), 5151, out _));

        Socket late = Make(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Icmp, new IPEndPoint(IPAddress.Any, 5151));

        Assert.True(reader.TryFindPing(false, TestSockets.Address(IPAddress.Loopback), 5151, out ProcNetSocketEntry found));
        Assert.Equal(TestSockets.InodeOf(late), found.Inode);
    }

    [Fact]
    public void Misses_within_the_minimum_interval_do_not_reread_the_table()
    {
        using var reader = ProcNetSocketReader.OpenIn(_bed.Path, minRefreshInterval: TimeSpan.FromMinutes(1));
        UInt128 loopback = TestSockets.Address(IPAddress.Loopback);

        for (int i = 0; i < 100; i++)
            Assert.False(reader.TryFindPing(false, loopback, (ushort)(1000 + i), out _));

        Assert.Equal(1, reader.Reads);
    }

    [Fact]
    public void Every_raw_socket_of_the_protocol_is_returned()
    {
        Socket a = Make(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp, null);
        Socket b = Make(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp, null);
        Make(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Udp, null);
        Socket v6 = Make(AddressFamily.InterNetworkV6, SocketType.Raw, ProtocolType.IcmpV6, null);
        using var reader = ProcNetSocketReader.OpenIn(_bed.Path);
        Span<ProcNetSocketEntry> matches = stackalloc ProcNetSocketEntry[4];

        int found = reader.FindRaw(false, 1, TestSockets.Address(IPAddress.Loopback), matches);
        int found6 = reader.FindRaw(true, 58, TestSockets.Address(IPAddress.IPv6Loopback), matches[2..]);

        Assert.Equal(2, found);
        Assert.Equal(
            new[] { TestSockets.InodeOf(a), TestSockets.InodeOf(b) }.Order(),
            new[] { matches[0].Inode, matches[1].Inode }.Order());
        Assert.Equal(1, found6);
        Assert.Equal(TestSockets.InodeOf(v6), matches[2].Inode);
    }

    [Fact]
    public void Sockets_of_another_namespace_are_not_seen()
    {
        Make(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Icmp, new IPEndPoint(IPAddress.Loopback, 4244));
        using var other = new TestNetns("daf-pnet");
        using var reader = ProcNetSocketReader.OpenIn(other.Path);

        Assert.False(reader.TryFindPing(false, TestSockets.Address(IPAddress.Loopback), 4244, out _));
    }
}
