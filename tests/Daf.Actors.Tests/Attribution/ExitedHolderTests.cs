// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Attribution;
using Daf.Actors.Identity;
using Daf.Actors.Tests.Rules;
using Daf.Actors.Tracking;
using Daf.Interop.Bpf;
using Daf.Interop.Packets;

namespace Daf.Actors.Tests.Attribution;

/// <summary>
/// Matrix case 4 without waiting for the tracker: the probe's exit times (a real mmapped array, root) tell the packet
/// path that a holder sharing a socket with a living one exited, before the tracker has applied its exit.
/// </summary>
public sealed class ExitedHolderTests : IDisposable
{
    private const int Parent = 1001, Child = 1002;
    private const ulong Inode = 4242;
    private static readonly PacketHeaders Packet = Packets.Udp("10.0.0.1", "10.0.0.2", 40000, 53);
    private static readonly ulong Grace = (ulong)TrackingOptions.DefaultGraceDelay.Ticks * 100;

    private readonly BpfCounterArray _generations = BpfCounterArray.Create("daf_test_gen", 2048);
    private readonly BpfCounterArray _exits = BpfCounterArray.Create("daf_test_exits", 2048);
    private readonly SocketLocator _locator = SocketLocator.OpenIn("/proc/self/ns/net", new SocketLocatorOptions());
    private readonly SocketHolderTable _table = new(TrackingOptions.DefaultGraceDelay);
    private readonly ProcessImageStore _store;
    private readonly SocketHolderImages _source;
    private readonly HolderImages _images = new();

    public ExitedHolderTests()
    {
        _store = new ProcessImageStore(new ProcessGenerations(_generations, TrackingOptions.Default) { Exits = _exits });
        _source = new SocketHolderImages(_locator, _table, _store);
        Assert.True(SocketLocator.TryGetFlowKey(Packet, LocalSide.Source, out FlowKey key));
        _locator.Cache.Add(key, new FlowCacheEntry(new LocatedSocket(Inode, 1, 0, 1, SocketKind.Udp), null, long.MaxValue), Environment.TickCount64);
        foreach (int tgid in new[] { Parent, Child })
        {
            _table.SetDescriptor(tgid, 3, Inode);
            _store.Publish(tgid, new ProcessImage(tgid, []));
        }
    }

    public void Dispose()
    {
        _locator.Dispose();
        _exits.Dispose();
        _generations.Dispose();
    }

    private static ulong Now => SocketHolderTrackerActor.MonotonicNanoseconds();

    private int[] Holders()
    {
        Assert.Equal(HolderResolution.Complete, _source.Resolve(Packet, LocalSide.Source, _images));
        return [.. _images.Images.ToArray().Select(i => i.Pid).Order()];
    }

    [Fact]
    public void Both_living_processes_sharing_a_socket_are_its_holders()
    {
        Assert.Equal([Parent, Child], Holders());
    }

    [Fact]
    public void A_holder_that_exited_longer_than_the_grace_delay_ago_is_left_out_while_another_lives()
    {
        _exits.Write(Parent, Now - 10 * Grace); // the tracker has not applied the exit: the table still names it
        Assert.Equal([Child], Holders());
    }

    [Fact]
    public void A_holder_that_exited_within_the_grace_delay_still_counts()
    {
        _exits.Write(Parent, Now);
        Assert.Equal([Parent, Child], Holders());
    }

    [Fact]
    public void A_deferred_packet_is_judged_by_the_holders_of_its_own_time()
    {
        ulong exited = Now - 10 * Grace;
        _exits.Write(Parent, exited);
        _images.AsOfNanoseconds = exited; // it came when the parent had just exited
        Assert.Equal([Parent, Child], Holders());
    }

    [Fact]
    public void When_every_holder_exited_they_all_count_a_socket_nobody_holds_sends_nothing_new()
    {
        _exits.Write(Parent, Now - 10 * Grace);
        _exits.Write(Child, Now - 10 * Grace);
        Assert.Equal([Parent, Child], Holders());
    }
}
