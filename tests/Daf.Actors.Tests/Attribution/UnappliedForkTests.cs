// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Attribution;
using Daf.Actors.Identity;
using Daf.Actors.Tests.Rules;
using Daf.Actors.Tracking;
using Daf.Interop.Bpf;
using Daf.Interop.Packets;
using Daf.Interop.Proc;

namespace Daf.Actors.Tests.Attribution;

/// <summary>
/// Matrix case 4 on the packet path: the probe's fork counts (a real mmapped array, root) tell that a holder forked a
/// child the holder table has not applied yet; the child shares the socket, so the holder set is not complete.
/// </summary>
public sealed class UnappliedForkTests : IDisposable
{
    private const int Parent = 1001, Child = 1002;
    private const ulong Inode = 4242;
    private static readonly PacketHeaders Packet = Packets.Udp("10.0.0.1", "10.0.0.2", 40000, 53);

    private readonly BpfCounterArray _generations = BpfCounterArray.Create("daf_test_gen", 2048);
    private readonly BpfCounterArray _forks = BpfCounterArray.Create("daf_test_forks", 2048);
    private readonly SocketLocator _locator = SocketLocator.OpenIn("/proc/self/ns/net", new SocketLocatorOptions());
    private readonly SocketHolderTable _table = new(TrackingOptions.DefaultGraceDelay);
    private readonly ProcessImageStore _store;
    private readonly SocketHolderImages _source;
    private readonly HolderImages _images = new();

    public UnappliedForkTests()
    {
        _store = new ProcessImageStore(new ProcessGenerations(_generations, TrackingOptions.Default) { Forks = _forks });
        _source = new SocketHolderImages(_locator, _table, _store);
        Assert.True(SocketLocator.TryGetFlowKey(Packet, LocalSide.Source, out FlowKey key));
        _locator.Cache.Add(key, new FlowCacheEntry(new LocatedSocket(Inode, 1, 0, 1, SocketKind.Udp), null, long.MaxValue), Environment.TickCount64);
        _table.SetDescriptor(Parent, 3, Inode);
        _store.Publish(Parent, new ProcessImage(Parent, []));
        _store.Publish(Child, new ProcessImage(Child, []));
    }

    public void Dispose()
    {
        _locator.Dispose();
        _forks.Dispose();
        _generations.Dispose();
    }

    private HolderResolution Resolve() => _source.Resolve(Packet, LocalSide.Source, _images);

    private int[] Holders() => [.. _images.Images.ToArray().Select(i => i.Pid).Order()];

    [Fact]
    public void A_holder_that_forked_before_the_tracker_applied_the_fork_leaves_its_holder_set_incomplete()
    {
        _forks.Write(Parent, 1); // the probe counted the fork; the FORK event is still in the ring

        Assert.Equal(HolderResolution.Pending, Resolve());
        Assert.Equal(Parent, _images.UnappliedForkOf);
        Assert.Equal([Parent], Holders());
    }

    [Fact]
    public void Once_the_fork_is_applied_the_child_is_a_holder_and_the_set_is_complete()
    {
        _forks.Write(Parent, 1);
        _table.Fork(Parent, Child, parentForks: 1);

        Assert.Equal(HolderResolution.Complete, Resolve());
        Assert.Equal([Parent, Child], Holders());
        Assert.Equal(0, _images.UnappliedForkOf);
    }

    [Fact]
    public void A_second_fork_after_the_first_was_applied_makes_the_set_incomplete_again()
    {
        _forks.Write(Parent, 1);
        _table.Fork(Parent, Child, parentForks: 1);
        _forks.Write(Parent, 2);

        Assert.Equal(HolderResolution.Pending, Resolve());
        Assert.Equal(Parent, _images.UnappliedForkOf);
    }

    [Fact]
    public void A_fork_counted_before_a_full_scan_read_the_holder_is_accounted_for_by_that_read()
    {
        _forks.Write(Parent, 3);
        _table.ReplaceProcess(Parent, [new SocketDescriptor(3, Inode)], forks: 3);

        Assert.Equal(HolderResolution.Complete, Resolve());
    }

    [Fact]
    public void An_older_fork_event_never_lowers_the_count_a_later_read_stamped()
    {
        _forks.Write(Parent, 3);
        _table.ReplaceProcess(Parent, [new SocketDescriptor(3, Inode)], forks: 3);
        _table.Fork(Parent, Child, parentForks: 2);

        Assert.Equal(3u, _table.AppliedForks(Parent));
        Assert.Equal(HolderResolution.Complete, Resolve());
    }

    [Fact]
    public void A_holder_that_closed_the_socket_shares_it_with_no_child_it_forks_later()
    {
        _table.CloseDescriptor(Parent, 3); // within the grace delay: still a holder
        _forks.Write(Parent, 1);

        Assert.Equal(HolderResolution.Complete, Resolve());
        Assert.Equal([Parent], Holders());
    }

    [Fact]
    public void A_new_process_under_a_reused_pid_starts_with_no_forks_applied()
    {
        _table.ApplyForks(Child, 7); // the pid's previous process
        _table.Fork(Parent, Child, parentForks: 0);

        Assert.Equal(0u, _table.AppliedForks(Child));
        Assert.Equal(HolderResolution.Complete, Resolve());
    }
}
