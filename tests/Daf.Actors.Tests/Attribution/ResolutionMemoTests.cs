// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Attribution;
using Daf.Actors.Identity;
using Daf.Actors.Tests.Rules;
using Daf.Actors.Tracking;
using Daf.Interop.Bpf;
using Daf.Interop.Packets;

namespace Daf.Actors.Tests.Attribution;

/// <summary>
/// A steady flow's packets reuse the images the previous packet resolved while the flow cache, the holder table and the
/// image store have not changed (<see cref="SocketHolderImages"/>'s memo): every change any of them or the probe's
/// arrays make is still seen by the very next packet (the probe's arrays are real mmapped maps, root).
/// </summary>
public sealed class ResolutionMemoTests : IDisposable
{
    private const int Holder = 1001, Other = 1002;
    private const ulong Inode = 4242;
    private static readonly PacketHeaders Packet = Packets.Udp("10.0.0.1", "10.0.0.2", 40000, 53);
    private static readonly PacketHeaders OtherFlow = Packets.Udp("10.0.0.1", "10.0.0.2", 40001, 53);
    private static readonly ulong Grace = (ulong)TrackingOptions.DefaultGraceDelay.Ticks * 100;

    private readonly BpfCounterArray _generations = BpfCounterArray.Create("daf_test_gen", 2048);
    private readonly BpfCounterArray _exits = BpfCounterArray.Create("daf_test_exits", 2048);
    private readonly BpfCounterArray _forks = BpfCounterArray.Create("daf_test_forks", 2048);
    private readonly SocketLocator _locator = SocketLocator.OpenIn("/proc/self/ns/net", new SocketLocatorOptions());
    private readonly SocketHolderTable _table = new(TrackingOptions.DefaultGraceDelay);
    private readonly ProcessImageStore _store;
    private readonly SocketHolderImages _source;
    private readonly HolderImages _images = new();

    public ResolutionMemoTests()
    {
        _store = new ProcessImageStore(new ProcessGenerations(_generations, TrackingOptions.Default) { Exits = _exits, Forks = _forks });
        _source = new SocketHolderImages(_locator, _table, _store);
        Cache(Packet, Inode);
        _table.SetDescriptor(Holder, 3, Inode);
        _store.Publish(Holder, new ProcessImage(Holder, []));
        _store.Publish(Other, new ProcessImage(Other, []));
    }

    public void Dispose()
    {
        _locator.Dispose();
        _forks.Dispose();
        _exits.Dispose();
        _generations.Dispose();
    }

    private void Cache(in PacketHeaders packet, ulong inode, long expiresAt = long.MaxValue)
    {
        Assert.True(SocketLocator.TryGetFlowKey(packet, LocalSide.Source, out FlowKey key));
        _locator.Cache.Add(key, new FlowCacheEntry(new LocatedSocket(inode, 1, 0, 1, SocketKind.Udp), null, expiresAt), Environment.TickCount64);
    }

    private HolderResolution Resolve(in PacketHeaders packet) => _source.Resolve(packet, LocalSide.Source, _images);

    private HolderResolution Resolve() => Resolve(Packet);

    private int[] Holders() => [.. _images.Images.ToArray().Select(i => i.Pid).Order()];

    private static ulong Now => SocketHolderTrackerActor.MonotonicNanoseconds();

    [Fact]
    public void The_next_packet_of_a_flow_gets_the_same_images_while_nothing_changed()
    {
        Assert.Equal(HolderResolution.Complete, Resolve());
        ProcessImage first = Assert.Single(_images.Images.ToArray());

        Assert.Equal(HolderResolution.Complete, Resolve());
        Assert.Same(first, Assert.Single(_images.Images.ToArray()));
    }

    [Fact]
    public void An_image_that_went_stale_after_the_last_packet_defers_the_next()
    {
        Assert.Equal(HolderResolution.Complete, Resolve());

        _generations.Write(Holder, 1); // exec or code mapped: the stored image is older than the counter

        Assert.Equal(HolderResolution.Pending, Resolve());
        Assert.Equal(Holder, _images.StaleImage?.Pid);
    }

    [Fact]
    public void A_fork_the_tracker_has_not_applied_yet_defers_the_next_packet()
    {
        Assert.Equal(HolderResolution.Complete, Resolve());

        _forks.Write(Holder, 1);

        Assert.Equal(HolderResolution.Pending, Resolve());
        Assert.Equal(Holder, _images.UnappliedForkOf);
    }

    [Fact]
    public void A_new_image_published_after_the_last_packet_judges_the_next()
    {
        Assert.Equal(HolderResolution.Complete, Resolve());
        var reread = new ProcessImage(Holder, []);

        _store.Publish(Holder, reread);

        Assert.Equal(HolderResolution.Complete, Resolve());
        Assert.Same(reread, Assert.Single(_images.Images.ToArray()));
    }

    [Fact]
    public void A_holder_added_after_the_last_packet_is_among_the_next_packets_holders()
    {
        Assert.Equal(HolderResolution.Complete, Resolve());

        _table.SetDescriptor(Other, 7, Inode); // received over SCM_RIGHTS, say

        Assert.Equal(HolderResolution.Complete, Resolve());
        Assert.Equal([Holder, Other], Holders());
    }

    [Fact]
    public void A_flow_forgotten_after_the_last_packet_is_looked_up_again()
    {
        Assert.Equal(HolderResolution.Complete, Resolve());

        _locator.Cache.Invalidate(Inode);

        Assert.Equal(HolderResolution.Pending, Resolve());
        Assert.True(_images.MissingFlow);
    }

    [Fact]
    public void A_flow_whose_cache_entry_expired_is_looked_up_again()
    {
        Cache(OtherFlow, Inode, expiresAt: Environment.TickCount64 + 200);
        Assert.Equal(HolderResolution.Complete, Resolve(OtherFlow));

        Thread.Sleep(400);

        Assert.Equal(HolderResolution.Pending, Resolve(OtherFlow));
        Assert.True(_images.MissingFlow);
    }

    [Fact]
    public void A_holder_of_a_shared_socket_that_exited_after_the_last_packet_is_weighed_again()
    {
        _table.SetDescriptor(Other, 3, Inode);
        Assert.Equal(HolderResolution.Complete, Resolve());
        Assert.Equal([Holder, Other], Holders());

        _exits.Write(Holder, Now - 10 * Grace); // the probe saw it exit; the tracker has not applied it

        Assert.Equal(HolderResolution.Complete, Resolve());
        Assert.Equal([Other], Holders());
    }

    [Fact]
    public void Another_flow_is_resolved_by_its_own_socket()
    {
        const ulong OtherInode = 4343;
        Cache(OtherFlow, OtherInode);
        _table.SetDescriptor(Other, 4, OtherInode);
        Assert.Equal(HolderResolution.Complete, Resolve());

        Assert.Equal(HolderResolution.Complete, Resolve(OtherFlow));
        Assert.Equal([Other], Holders());
    }

    [Fact]
    public void The_holder_table_version_moves_only_when_a_published_set_changes()
    {
        long before = _table.Version;

        _table.SetDescriptor(Holder, 4, Inode); // a second descriptor to the same socket: same holders
        Assert.Equal(before, _table.Version);

        _table.SetDescriptor(Other, 3, Inode);
        Assert.NotEqual(before, _table.Version);
    }
}
