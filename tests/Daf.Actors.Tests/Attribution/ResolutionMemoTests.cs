// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Attribution;
using Daf.Actors.Identity;
using Daf.Actors.Tests.Rules;
using Daf.Interop.Packets;

namespace Daf.Actors.Tests.Attribution;

/// <summary>
/// A steady flow's packets reuse the images the previous packet resolved while the flow cache, the holder table and the
/// image store have not changed (<see cref="SocketHolderImages"/>'s memo): every change any of them or the probe's
/// arrays make is still seen by the very next packet (the probe's arrays are real mmapped maps, root).
/// </summary>
public sealed class ResolutionMemoTests : HolderPathBed
{
    private const int Holder = 1001, Other = 1002;
    private static readonly PacketHeaders OtherFlow = Packets.Udp("10.0.0.1", "10.0.0.2", 40001, 53);

    public ResolutionMemoTests()
    {
        Table.SetDescriptor(Holder, 3, Inode);
        Store.Publish(Holder, new ProcessImage(Holder, []));
        Store.Publish(Other, new ProcessImage(Other, []));
    }

    [Fact]
    public void The_next_packet_of_a_flow_gets_the_same_images_while_nothing_changed()
    {
        Assert.Equal(HolderResolution.Complete, Resolve());
        ProcessImage first = Assert.Single(Images.Images.ToArray());

        Assert.Equal(HolderResolution.Complete, Resolve());
        Assert.Same(first, Assert.Single(Images.Images.ToArray()));
    }

    [Fact]
    public void An_image_that_went_stale_after_the_last_packet_defers_the_next()
    {
        Assert.Equal(HolderResolution.Complete, Resolve());

        Generations.Write(Holder, 1); // exec or code mapped: the stored image is older than the counter

        Assert.Equal(HolderResolution.Pending, Resolve());
        Assert.Equal(Holder, Images.StaleImage?.Pid);
    }

    [Fact]
    public void A_fork_the_tracker_has_not_applied_yet_defers_the_next_packet()
    {
        Assert.Equal(HolderResolution.Complete, Resolve());

        Forks.Write(Holder, 1);

        Assert.Equal(HolderResolution.Pending, Resolve());
        Assert.Equal(Holder, Images.UnappliedForkOf);
    }

    [Fact]
    public void A_new_image_published_after_the_last_packet_judges_the_next()
    {
        Assert.Equal(HolderResolution.Complete, Resolve());
        var reread = new ProcessImage(Holder, []);

        Store.Publish(Holder, reread);

        Assert.Equal(HolderResolution.Complete, Resolve());
        Assert.Same(reread, Assert.Single(Images.Images.ToArray()));
    }

    [Fact]
    public void A_holder_added_after_the_last_packet_is_among_the_next_packets_holders()
    {
        Assert.Equal(HolderResolution.Complete, Resolve());

        Table.SetDescriptor(Other, 7, Inode); // received over SCM_RIGHTS, say

        Assert.Equal(HolderResolution.Complete, Resolve());
        Assert.Equal([Holder, Other], ResolvedPids());
    }

    [Fact]
    public void A_flow_forgotten_after_the_last_packet_is_looked_up_again()
    {
        Assert.Equal(HolderResolution.Complete, Resolve());

        Locator.Cache.Invalidate(Inode);

        Assert.Equal(HolderResolution.Pending, Resolve());
        Assert.True(Images.MissingFlow);
    }

    [Fact]
    public void A_flow_whose_cache_entry_expired_is_looked_up_again()
    {
        Cache(OtherFlow, Inode, expiresAt: Environment.TickCount64 + 200);
        Assert.Equal(HolderResolution.Complete, Resolve(OtherFlow));

        Thread.Sleep(400);

        Assert.Equal(HolderResolution.Pending, Resolve(OtherFlow));
        Assert.True(Images.MissingFlow);
    }

    [Fact]
    public void A_holder_of_a_shared_socket_that_exited_after_the_last_packet_is_weighed_again()
    {
        Table.SetDescriptor(Other, 3, Inode);
        Assert.Equal(HolderResolution.Complete, Resolve());
        Assert.Equal([Holder, Other], ResolvedPids());

        Exits.Write(Holder, Now - 10 * Grace); // the probe saw it exit; the tracker has not applied it

        Assert.Equal(HolderResolution.Complete, Resolve());
        Assert.Equal([Other], ResolvedPids());
    }

    [Fact]
    public void Another_flow_is_resolved_by_its_own_socket()
    {
        const ulong OtherInode = 4343;
        Cache(OtherFlow, OtherInode);
        Table.SetDescriptor(Other, 4, OtherInode);
        Assert.Equal(HolderResolution.Complete, Resolve());

        Assert.Equal(HolderResolution.Complete, Resolve(OtherFlow));
        Assert.Equal([Other], ResolvedPids());
    }

    [Fact]
    public void The_holder_table_version_moves_only_when_a_published_set_changes()
    {
        long before = Table.Version;

        Table.SetDescriptor(Holder, 4, Inode); // a second descriptor to the same socket: same holders
        Assert.Equal(before, Table.Version);

        Table.SetDescriptor(Other, 3, Inode);
        Assert.NotEqual(before, Table.Version);
    }
}
