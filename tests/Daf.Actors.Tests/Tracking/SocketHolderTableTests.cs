// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Tracking;
using Daf.Interop.Proc;

namespace Daf.Actors.Tests.Tracking;

public sealed class SocketHolderTableTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromMilliseconds(50);
    private readonly ManualTimeProvider _clock = new();
    private readonly SocketHolderTable _table;

    public SocketHolderTableTests() => _table = new SocketHolderTable(Grace, _clock);

    private int[] Holders(ulong inode) => _table.TryGetHolders(inode, out HolderSet set) ? set.ThreadGroups.ToArray() : [];

    private void PassGrace()
    {
        _clock.Advance(Grace + TimeSpan.FromMilliseconds(1));
        Assert.Null(_table.Expire());
    }

    [Fact]
    public void Holders_published_is_called_when_a_sockets_holders_change_and_only_then()
    {
        int calls = 0;
        _table.HoldersPublished = () => calls++;
        _table.SetDescriptor(100, 3, 7001);
        Assert.Equal(1, calls);
        _table.SetDescriptor(100, 3, 7001); // nothing new
        _table.SetDescriptor(100, 4, 7001); // another descriptor of the same holder: the same holders
        Assert.Equal(1, calls);
        _table.SetDescriptor(200, 3, 7001);
        Assert.Equal(2, calls);
    }

    [Fact]
    public void Fork_gives_the_child_a_copy_of_the_parents_descriptors()
    {
        _table.SetDescriptor(100, 3, 7001);
        _table.SetDescriptor(100, 4, 7002);
        _table.Fork(100, 200);

        Assert.Equal([100, 200], Holders(7001));
        Assert.Equal([100, 200], Holders(7002));
        _table.CloseDescriptor(200, 3);
        PassGrace();
        Assert.Equal([100], Holders(7001));
        Assert.Equal([100, 200], Holders(7002));
    }

    [Fact]
    public void Dup_to_fd_300_then_close_of_the_original_keeps_the_holder_and_fd_259_is_not_fd_3()
    {
        _table.SetDescriptor(100, 3, 7001);
        _table.SetDescriptor(100, 300, 7001);
        _table.CloseDescriptor(100, 3);
        PassGrace();
        Assert.Equal([100], Holders(7001));

        _table.SetDescriptor(100, 3, 7002);
        _table.SetDescriptor(100, 259, 7003);
        _table.CloseDescriptor(100, 259);
        PassGrace();
        Assert.Equal([100], Holders(7002));
        Assert.Empty(Holders(7003));
        Assert.Equal(new Dictionary<int, ulong> { [3] = 7002, [300] = 7001 }, _table.DescriptorsOf(100));
    }

    [Fact]
    public void Closed_socket_keeps_its_holder_for_the_grace_delay_only()
    {
        _table.SetDescriptor(100, 3, 7001);
        _table.CloseDescriptor(100, 3);
        Assert.Equal([100], Holders(7001));
        Assert.False(_table.HoldsSockets(100));

        _clock.Advance(Grace / 2);
        Assert.Equal(Grace / 2, _table.Expire());
        Assert.Equal([100], Holders(7001));
        _clock.Advance(Grace / 2);
        Assert.Null(_table.Expire());
        Assert.False(_table.TryGetHolders(7001, out _));
        Assert.Equal(0, _table.SocketCount);
    }

    [Fact]
    public void Descriptor_reused_for_another_socket_replaces_the_old_one()
    {
        _table.SetDescriptor(100, 3, 7001);
        _table.SetDescriptor(100, 3, 7002);
        Assert.Equal([100], Holders(7001));
        PassGrace();
        Assert.Empty(Holders(7001));
        Assert.Equal([100], Holders(7002));
    }

    [Fact]
    public void Close_range_closes_exactly_the_range_and_an_unsigned_last_of_minus_one_means_all()
    {
        _table.SetDescriptor(100, 3, 7003);
        _table.SetDescriptor(100, 10, 7010);
        _table.SetDescriptor(100, 20, 7020);
        _table.SetDescriptor(100, 21, 7021);
        _table.CloseRange(100, 10, 20);
        PassGrace();
        Assert.Equal([100], Holders(7003));
        Assert.Empty(Holders(7010));
        Assert.Empty(Holders(7020));
        Assert.Equal([100], Holders(7021));

        _table.CloseRange(100, 4, -1); // close_range(4, ~0U)
        PassGrace();
        Assert.Equal([100], Holders(7003));
        Assert.Empty(Holders(7021));
    }

    [Fact]
    public void Exit_keeps_the_process_as_holder_during_the_grace_delay_then_drops_it()
    {
        _table.SetDescriptor(100, 3, 7001);
        _table.Fork(100, 200);
        _table.RemoveProcess(100);
        Assert.Equal([100, 200], Holders(7001));
        Assert.False(_table.HoldsSockets(100));
        PassGrace();
        Assert.Equal([200], Holders(7001));
    }

    [Fact]
    public void Socket_taken_again_within_the_grace_delay_is_not_dropped_by_the_old_expiry()
    {
        _table.SetDescriptor(100, 3, 7001);
        _table.CloseDescriptor(100, 3);
        _table.SetDescriptor(100, 5, 7001);
        PassGrace();
        Assert.Equal([100], Holders(7001));
    }

    [Fact]
    public void Fresh_read_of_a_process_replaces_what_was_known_without_dropping_sockets_it_still_holds()
    {
        _table.SetDescriptor(100, 3, 7001);
        _table.SetDescriptor(100, 4, 7002);
        _table.TryGetHolders(7001, out HolderSet before);
        _table.ReplaceProcess(100, [new SocketDescriptor(3, 7001), new SocketDescriptor(9, 7009)]);

        Assert.True(_table.TryGetHolders(7001, out HolderSet after));
        Assert.Same(before, after);
        Assert.Equal([100], Holders(7009));
        Assert.Equal([100], Holders(7002));
        PassGrace();
        Assert.Empty(Holders(7002));
    }

    [Fact]
    public void Holder_set_lists_each_thread_group_once_in_order()
    {
        _table.SetDescriptor(300, 3, 7001);
        _table.SetDescriptor(100, 3, 7001);
        _table.SetDescriptor(100, 4, 7001);
        _table.SetDescriptor(200, 8, 7001);
        Assert.True(_table.TryGetHolders(7001, out HolderSet set));
        Assert.Equal(3, set.Count);
        Assert.Equal([100, 200, 300], set.ThreadGroups.ToArray());
        Assert.True(set.Contains(200));
        Assert.False(set.Contains(150));
    }

    [Fact]
    public void A_released_socket_keeps_the_process_that_released_it_for_the_retention_not_only_the_grace_delay()
    {
        _table.SetDescriptor(100, 3, 7101);
        _table.RemoveProcess(100); // exit: departing for the grace delay
        Assert.True(_table.AddDeparted(100, 7101, TimeSpan.FromMilliseconds(500)));
        _clock.Advance(Grace + TimeSpan.FromMilliseconds(1));
        Assert.NotNull(_table.Expire());
        Assert.Equal([100], Holders(7101));
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        _table.Expire();
        Assert.Empty(Holders(7101));
    }

    [Fact]
    public void A_release_names_a_holder_no_descriptor_event_announced_but_never_demotes_a_current_one()
    {
        Assert.True(_table.AddDeparted(200, 7201));
        Assert.Equal([200], Holders(7201));
        _table.SetDescriptor(300, 4, 7202);
        Assert.False(_table.AddDeparted(300, 7202, TimeSpan.FromSeconds(1)));
        Assert.False(_table.AddDeparted(0, 7203));
        Assert.False(_table.AddDeparted(200, 0));
        PassGrace();
        Assert.Empty(Holders(7201));
        Assert.Equal([300], Holders(7202));
    }
}
