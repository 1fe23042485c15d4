// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Attribution;
using Daf.Actors.Identity;
using Daf.Interop.Proc;

namespace Daf.Actors.Tests.Attribution;

/// <summary>
/// Matrix case 4 on the packet path: the probe's fork counts (a real mmapped array, root) tell that a holder forked a
/// child the holder table has not applied yet; the child shares the socket, so the holder set is not complete.
/// </summary>
public sealed class UnappliedForkTests : HolderPathBed
{
    private const int Parent = 1001, Child = 1002;

    public UnappliedForkTests()
    {
        Table.SetDescriptor(Parent, 3, Inode);
        Store.Publish(Parent, new ProcessImage(Parent, []));
        Store.Publish(Child, new ProcessImage(Child, []));
    }

    [Fact]
    public void A_holder_that_forked_before_the_tracker_applied_the_fork_leaves_its_holder_set_incomplete()
    {
        Forks.Write(Parent, 1); // the probe counted the fork; the FORK event is still in the ring

        Assert.Equal(HolderResolution.Pending, Resolve());
        Assert.Equal(Parent, Images.UnappliedForkOf);
        Assert.Equal([Parent], ResolvedPids());
    }

    [Fact]
    public void Once_the_fork_is_applied_the_child_is_a_holder_and_the_set_is_complete()
    {
        Forks.Write(Parent, 1);
        Table.Fork(Parent, Child, parentForks: 1);

        Assert.Equal(HolderResolution.Complete, Resolve());
        Assert.Equal([Parent, Child], ResolvedPids());
        Assert.Equal(0, Images.UnappliedForkOf);
    }

    [Fact]
    public void A_second_fork_after_the_first_was_applied_makes_the_set_incomplete_again()
    {
        Forks.Write(Parent, 1);
        Table.Fork(Parent, Child, parentForks: 1);
        Forks.Write(Parent, 2);

        Assert.Equal(HolderResolution.Pending, Resolve());
        Assert.Equal(Parent, Images.UnappliedForkOf);
    }

    [Fact]
    public void A_fork_counted_before_a_full_scan_read_the_holder_is_accounted_for_by_that_read()
    {
        Forks.Write(Parent, 3);
        Table.ReplaceProcess(Parent, [new SocketDescriptor(3, Inode)], forks: 3);

        Assert.Equal(HolderResolution.Complete, Resolve());
    }

    [Fact]
    public void An_older_fork_event_never_lowers_the_count_a_later_read_stamped()
    {
        Forks.Write(Parent, 3);
        Table.ReplaceProcess(Parent, [new SocketDescriptor(3, Inode)], forks: 3);
        Table.Fork(Parent, Child, parentForks: 2);

        Assert.Equal(3u, Table.AppliedForks(Parent));
        Assert.Equal(HolderResolution.Complete, Resolve());
    }

    [Fact]
    public void A_holder_that_closed_the_socket_shares_it_with_no_child_it_forks_later()
    {
        Table.CloseDescriptor(Parent, 3); // within the grace delay: still a holder
        Forks.Write(Parent, 1);

        Assert.Equal(HolderResolution.Complete, Resolve());
        Assert.Equal([Parent], ResolvedPids());
    }

    [Fact]
    public void A_new_process_under_a_reused_pid_starts_with_no_forks_applied()
    {
        Table.ApplyForks(Child, 7); // the pid's previous process
        Table.Fork(Parent, Child, parentForks: 0);

        Assert.Equal(0u, Table.AppliedForks(Child));
        Assert.Equal(HolderResolution.Complete, Resolve());
    }
}
