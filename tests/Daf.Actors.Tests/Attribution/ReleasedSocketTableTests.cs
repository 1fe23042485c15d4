// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Attribution;
using Daf.Interop.Bpf;
using Daf.Interop.Packets;

namespace Daf.Actors.Tests.Attribution;

public sealed class ReleasedSocketTableTests
{
    private const ulong Netns = 4097, OtherNetns = 4098;
    private static readonly UInt128 Local = PacketHeaderParser.MapIpv4(0x0A000001), Remote = PacketHeaderParser.MapIpv4(0x0A000002);
    private long _now = 1000;
    private readonly ReleasedSocketTable _table;

    public ReleasedSocketTableTests() => _table = new ReleasedSocketTable(TimeSpan.FromMilliseconds(50), () => _now);

    private static SocketReleaseEvent Released(ulong inode, UInt128 local, ushort localPort, UInt128 remote, ushort remotePort,
        byte protocol = 17, uint pid = 300, uint flags = 0, ulong netns = Netns) =>
        new(pid, 1, pid, 2, protocol, 1, localPort, remotePort, flags, local, remote, inode, inode + 1000, netns);

    private static FlowKey Flow(ushort localPort, ushort remotePort = 53, byte protocol = 17) =>
        new(protocol, Local, localPort, Remote, remotePort, false);

    [Fact]
    public void A_connected_socket_is_found_by_its_flow_in_its_namespace_only()
    {
        Assert.True(_table.Add(Released(71, Local, 40000, Remote, 53)));
        Assert.True(_table.TryGet(Netns, Flow(40000), out ReleasedSocket socket));
        Assert.Equal((71UL, 1071UL, 300, (byte)17), (socket.Inode, socket.Cookie, socket.Tgid, socket.Protocol));
        Assert.False(_table.TryGet(OtherNetns, Flow(40000), out _));
        Assert.False(_table.TryGet(Netns, Flow(40000, remotePort: 54), out _));
        Assert.False(_table.TryGet(Netns, Flow(40001), out _));
    }

    [Fact]
    public void Unconnected_udp_sockets_take_any_peer_and_wildcard_bound_ones_any_local_address()
    {
        _table.Add(Released(72, Local, 5000, 0, 0));
        _table.Add(Released(73, 0, 6000, 0, 0));
        Assert.True(_table.TryGet(Netns, Flow(5000, remotePort: 9999), out ReleasedSocket bound));
        Assert.True(_table.TryGet(Netns, Flow(6000), out ReleasedSocket wildcard));
        Assert.Equal((72UL, 73UL), (bound.Inode, wildcard.Inode));
    }

    [Fact]
    public void Tcp_sockets_match_their_whole_flow_only()
    {
        _table.Add(Released(74, Local, 7000, 0, 0, protocol: 6));
        Assert.False(_table.TryGet(Netns, Flow(7000, protocol: 6), out _));
        _table.Add(Released(75, Local, 7001, Remote, 53, protocol: 6));
        Assert.True(_table.TryGet(Netns, Flow(7001, protocol: 6), out ReleasedSocket tcp));
        Assert.Equal(75UL, tcp.Inode);
    }

    [Fact]
    public void Entries_expire_after_the_lifetime_and_a_later_release_of_the_same_flow_is_the_newest()
    {
        _table.Add(Released(76, Local, 8000, Remote, 53, pid: 1));
        _now += 30;
        _table.Add(Released(77, Local, 8000, Remote, 53, pid: 2));
        _now += 30; // the first entry's expiry passed, the later one's has not
        _table.Add(Released(78, Local, 8001, Remote, 53));
        Assert.True(_table.TryGet(Netns, Flow(8000), out ReleasedSocket socket));
        Assert.Equal((77UL, 2), (socket.Inode, socket.Tgid));
        Assert.Equal([77UL], _table.GetAll(Netns, Flow(8000)).Select(s => s.Inode));
        _now += 30;
        Assert.False(_table.TryGet(Netns, Flow(8000), out _));
        _table.Add(Released(79, Local, 8002, Remote, 53)); // adding drops what expired
        Assert.Equal(2, _table.Count);
        Assert.Equal(2L, _table.Expired);
    }

    [Fact]
    public void Every_release_of_a_flow_within_the_lifetime_is_a_candidate_newest_first_each_expiring_on_its_own()
    {
        // A port the kernel handed to several short-lived sockets in turn: a waiting packet may be any one's.
        _table.Add(Released(90, Local, 8100, Remote, 53, pid: 1));
        _now += 10;
        _table.Add(Released(91, Local, 8100, Remote, 53, pid: 2));
        _now += 10;
        _table.Add(Released(92, Local, 8100, 0, 0, pid: 3)); // an unconnected one of the same local port

        Assert.Equal([91UL, 90UL, 92UL], _table.GetAll(Netns, Flow(8100)).Select(s => s.Inode));
        Assert.Equal([92UL], _table.GetAll(Netns, Flow(8100, remotePort: 54)).Select(s => s.Inode));
        _now += 35; // 90's lifetime is over, 91's and 92's not
        Assert.Equal([91UL, 92UL], _table.GetAll(Netns, Flow(8100)).Select(s => s.Inode));
        Assert.Empty(_table.GetAll(OtherNetns, Flow(8100)));

        for (ulong inode = 100; inode < 100 + ReleasedSocketTable.MaxPerFlow + 2; inode++)
            _table.Add(Released(inode, Local, 8200, Remote, 53));
        Assert.Equal(ReleasedSocketTable.MaxPerFlow, _table.GetAll(Netns, Flow(8200)).Count);
        Assert.Equal(105UL, _table.GetAll(Netns, Flow(8200))[0].Inode);
    }

    [Fact]
    public void Kernel_thread_releases_name_no_holder_and_unkeyable_releases_are_ignored()
    {
        _table.Add(Released(80, Local, 9000, Remote, 53, flags: SocketReleaseEvent.DAF_SOCKET_KERNEL_THREAD));
        Assert.True(_table.TryGet(Netns, Flow(9000), out ReleasedSocket socket));
        Assert.Equal(0, socket.Tgid);
        Assert.False(_table.Add(Released(0, Local, 9001, Remote, 53)));
        Assert.False(_table.Add(Released(81, Local, 0, Remote, 53)));
        Assert.False(_table.Add(Released(82, Local, 9002, Remote, 53, protocol: 1)));
    }

    [Fact]
    public void A_miss_may_still_be_explained_until_the_tracker_applied_the_events_of_its_moment()
    {
        Assert.True(_table.MayStillArrive(5_000));
        _table.AppliedThroughNanoseconds = 4_999;
        Assert.True(_table.MayStillArrive(5_000));
        _table.AppliedThroughNanoseconds = 6_000;
        _table.AppliedThroughNanoseconds = 5_500; // never goes back
        Assert.False(_table.MayStillArrive(5_000));
        Assert.True(_table.MayStillArrive(7_000));
        _table.Active = false; // the release program is not attached
        Assert.False(_table.MayStillArrive(7_000));
    }
}
