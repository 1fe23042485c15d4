// SPDX-License-Identifier: Apache-2.0
using System.Net;
using System.Net.Sockets;
using Daf.Actors.Attribution;
using Daf.Actors.Rules;
using Daf.Interop.Bpf;
using Daf.Interop.Packets;
using Daf.Interop.Tests;
using Daf.Tests.Shared;
using static Daf.Interop.Packets.IpProtocolNumbers;

namespace Daf.Actors.Tests.Attribution;

/// <summary>
/// A source port the kernel hands to a new socket while a packet of the released socket that had it may still wait: the
/// packet is judged by the holders of both (fail-closed), never by the other socket's alone.
/// </summary>
public sealed class ReusedPortTests : IDisposable
{
    private const ulong ReleasedInode = 0x7fff_0000_0001;
    private readonly SocketBed _bed = new("daf-reuse");
    private readonly ReleasedSocketTable _released;
    private readonly SocketLocator _locator;
    private long _clockOffset;

    public ReusedPortTests()
    {
        _released = new ReleasedSocketTable(TimeSpan.FromSeconds(30), () => Environment.TickCount64 + _clockOffset);
        _locator = SocketLocator.OpenIn(_bed.Path, new SocketLocatorOptions(), null, _released);
        Assert.NotEqual(0UL, _locator.NetworkNamespaceCookie); // Linux 5.14+
    }

    public void Dispose()
    {
        _locator.Dispose();
        _bed.Dispose();
    }

    private static readonly IPEndPoint Peer = new(IPAddress.Loopback, 9);

    private Socket ConnectedUdp(int port = 0) => _bed.Make(() =>
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        s.Bind(new IPEndPoint(IPAddress.Loopback, port));
        s.Connect(Peer);
        return s;
    });

    private void Release(ulong inode, int port) => Assert.True(_released.Add(new SocketReleaseEvent(300, 1, 300, 2, IPPROTO_UDP, 7,
        (ushort)port, (ushort)Peer.Port, 0, PacketHeaderParser.MapIpv4(0x7F000001), PacketHeaderParser.MapIpv4(0x7F000001),
        inode, inode + 1, _locator.NetworkNamespaceCookie)));

    private static PacketHeaders PacketFrom(int port) =>
        SocketLocatorKernelTests.Packet(IPPROTO_UDP, new IPEndPoint(IPAddress.Loopback, port), Peer);

    private static ulong[] Inodes(SocketLookupResult result) =>
        result.Candidates is { } all ? [.. all.Select(c => c.Inode)] : [result.Socket.Inode];

    [Fact]
    public void A_live_socket_on_the_port_of_one_released_a_moment_ago_shares_the_flow_with_it_until_the_release_expires()
    {
        using Socket live = ConnectedUdp();
        int port = ((IPEndPoint)live.LocalEndPoint!).Port;
        Release(ReleasedInode, port);
        PacketHeaders packet = PacketFrom(port);

        SocketLookupResult found = _locator.Lookup(packet, LocalSide.Source, null);

        Assert.Equal(SocketLookupStatus.Found, found.Status);
        Assert.Equal([TestSockets.InodeOf(live), ReleasedInode], Inodes(found));
        Assert.True(_locator.TryGetCached(packet, LocalSide.Source, out FlowCacheEntry cached));
        Assert.False(cached.ReleasedOnly);
        Assert.Equal(2, cached.Candidates!.Length);
        Assert.True(_released.TryGet(_locator.NetworkNamespaceCookie, FlowOf(packet), out ReleasedSocket release));
        Assert.True(cached.ExpiresAt <= release.ExpiresAt);

        // Once the release expired (and the entry with it), the live socket alone answers again.
        _clockOffset = 60_000;
        _locator.Cache.Invalidate(ReleasedInode);
        Assert.Equal([TestSockets.InodeOf(live)], Inodes(_locator.Lookup(packet, LocalSide.Source, null)));
    }

    [Fact]
    public void A_release_recorded_while_the_live_socket_of_its_flow_is_cached_joins_the_cached_answer()
    {
        using Socket live = ConnectedUdp();
        int port = ((IPEndPoint)live.LocalEndPoint!).Port;
        PacketHeaders packet = PacketFrom(port);
        Assert.Equal([TestSockets.InodeOf(live)], Inodes(_locator.Lookup(packet, LocalSide.Source, null)));

        Release(ReleasedInode, port);
        Release(TestSockets.InodeOf(live), port + 1); // another flow: its entry is not touched

        Assert.True(_locator.TryGetCached(packet, LocalSide.Source, out FlowCacheEntry cached));
        Assert.Equal([TestSockets.InodeOf(live), ReleasedInode], cached.Candidates!.Select(c => c.Inode));
        Assert.Equal([TestSockets.InodeOf(live), ReleasedInode], Inodes(_locator.Lookup(packet, LocalSide.Source, null)));
    }

    [Fact]
    public void A_released_only_answer_is_asked_of_sock_diag_again_and_a_new_socket_on_its_port_joins_it()
    {
        int port;
        using (Socket gone = ConnectedUdp())
            port = ((IPEndPoint)gone.LocalEndPoint!).Port;
        Release(ReleasedInode, port);
        PacketHeaders packet = PacketFrom(port);

        SocketLookupResult first = _locator.Lookup(packet, LocalSide.Source, null);
        Assert.Equal([ReleasedInode], Inodes(first));
        Assert.True(_locator.TryGetCached(packet, LocalSide.Source, out FlowCacheEntry releasedOnly));
        Assert.True(releasedOnly.ReleasedOnly);

        using Socket reused = ConnectedUdp(port); // the kernel hands the port to a new socket
        SocketLookupResult second = _locator.Lookup(packet, LocalSide.Source, null);

        Assert.Equal([TestSockets.InodeOf(reused), ReleasedInode], Inodes(second));
        Assert.True(_locator.TryGetCached(packet, LocalSide.Source, out FlowCacheEntry both));
        Assert.False(both.ReleasedOnly);
    }

    [Fact]
    public void Several_releases_of_one_flow_are_all_candidates_of_its_packet()
    {
        int port;
        using (Socket gone = ConnectedUdp())
            port = ((IPEndPoint)gone.LocalEndPoint!).Port;
        Release(ReleasedInode, port);
        Release(ReleasedInode + 1, port);

        SocketLookupResult found = _locator.Lookup(PacketFrom(port), LocalSide.Source, null);

        Assert.Equal([ReleasedInode + 1, ReleasedInode], Inodes(found));
    }

    private static FlowKey FlowOf(in PacketHeaders packet)
    {
        Assert.True(SocketLocator.TryGetFlowKey(packet, LocalSide.Source, out FlowKey key));
        return key;
    }
}

/// <summary>The hot path does not judge a new packet by a cache entry of released sockets only.</summary>
public sealed class ReleasedOnlyEntryTests : HolderPathBed
{
    [Fact]
    public void A_released_only_entry_is_pending_for_the_hot_path_and_answers_the_slow_path()
    {
        Assert.True(SocketLocator.TryGetFlowKey(Packet, LocalSide.Source, out FlowKey key));
        Locator.Cache.Add(key, new FlowCacheEntry(new LocatedSocket(Inode, 1, 0, 7, SocketKind.Udp), null, long.MaxValue,
            ReleasedOnly: true), Environment.TickCount64);

        Assert.Equal(HolderResolution.Pending, Resolve());
        Assert.True(Images.MissingFlow);

        Images.TrustsReleased = true; // the attribution actor, after its lookup
        Resolve();
        Assert.False(Images.MissingFlow);
    }
}
