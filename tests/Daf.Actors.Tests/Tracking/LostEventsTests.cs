// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Daf.Actors.Attribution;
using Daf.Actors.Identity;
using Daf.Actors.Tests.Identity;
using Daf.Actors.Tests.Rules;
using Daf.Actors.Tracking;
using Daf.Interop.Bpf;
using Daf.Interop.Packets;
using Daf.Interop.Proc;

namespace Daf.Actors.Tests.Tracking;

/// <summary>
/// Events lost in the ring (<see cref="TrackingEventsLost"/>) while the probe's per-process arrays (real mmapped
/// arrays, root) kept counting: the rescan the loss brings must leave nothing for the hot path to wait on forever.
/// </summary>
public sealed class LostEventsTests : TestKit, IDisposable
{
    private const int Parent = 1001, Child = 1002;
    private const ulong Inode = 4242;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);
    private static readonly PacketHeaders Packet = Packets.Udp("10.0.0.1", "10.0.0.2", 40000, 53);

    private static readonly int PidMax = int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim(), System.Globalization.CultureInfo.InvariantCulture);

    private readonly BpfCounterArray _generations = BpfCounterArray.Create("daf_test_gen", PidMax);
    private readonly BpfCounterArray _forks = BpfCounterArray.Create("daf_test_forks", PidMax);
    private readonly TempDirectory _proc = new();
    private readonly SocketHolderTable _table = new(TimeSpan.FromSeconds(1));

    public new void Dispose()
    {
        base.Dispose();
        _proc.Dispose();
        _forks.Dispose();
        _generations.Dispose();
    }

    private ProcessImageStore Store(TrackingOptions options) =>
        new(new ProcessGenerations(_generations, options) { Forks = _forks });

    private async Task<IActorRef> StartTracker(ProcessImageStore store, TrackingOptions options, string procRoot)
    {
        IActorRef tracker = Sys.ActorOf(SocketHolderTrackerActor.Props(_table, store,
            new ProcessIdentityReader(new ObjectDigestCache(), options.IdentityOptions), options, procRoot: procRoot));
        await tracker.Ask<HolderTrackerStats>(GetHolderTrackerStats.Instance, Wait);
        return tracker;
    }

    /// <summary>A process of the fake /proc holding socket <see cref="Inode"/> at fd 3.</summary>
    private void FakeProcess(int tgid)
    {
        Directory.CreateDirectory(_proc.Combine(tgid.ToString(), "fd"));
        File.CreateSymbolicLink(_proc.Combine(tgid.ToString(), "fd", "3"), $"socket:[{Inode}]");
    }

    [Fact]
    public async Task A_fork_whose_event_was_lost_counts_as_applied_after_the_rescan_the_loss_brings()
    {
        var options = TrackingOptions.Default with { GraceDelay = _table.GraceDelay };
        ProcessImageStore store = Store(options);
        using var locator = SocketLocator.OpenIn("/proc/self/ns/net", new SocketLocatorOptions());
        Assert.True(SocketLocator.TryGetFlowKey(Packet, LocalSide.Source, out FlowKey key));
        locator.Cache.Add(key, new FlowCacheEntry(new LocatedSocket(Inode, 1, 0, 1, SocketKind.Udp), null, long.MaxValue), Environment.TickCount64);
        var source = new SocketHolderImages(locator, _table, store);
        FakeProcess(Parent);
        IActorRef tracker = await StartTracker(store, options, _proc.Path);

        // The parent forks: the probe counted it, the child shares the socket, the FORK event never reaches the tracker.
        _forks.Write(Parent, 1);
        FakeProcess(Child);
        var images = new HolderImages();
        source.Resolve(Packet, LocalSide.Source, images);
        Assert.Equal(Parent, images.UnappliedForkOf);

        tracker.Tell(new TrackingEventsLost(1, TrackingLossCause.KernelRingBufferFull));
        await tracker.Ask<HolderTrackerStats>(GetHolderTrackerStats.Instance, Wait); // the notice: the rescan queued behind it
        HolderTrackerStats stats = await tracker.Ask<HolderTrackerStats>(GetHolderTrackerStats.Instance, Wait);
        Assert.Equal(2, stats.FullScans);

        images = new HolderImages();
        source.Resolve(Packet, LocalSide.Source, images);
        Assert.Equal(0, images.UnappliedForkOf);
        Assert.True(_table.TryGetHolders(Inode, out HolderSet holders));
        Assert.Equal([Parent, Child], holders.ThreadGroups.ToArray());
        Assert.Equal([1UL, 0UL], holders.AppliedForks.ToArray());
    }

    /// <summary>
    /// An exec or a code mapping whose event was lost moved the process's generation counter only: nothing told its
    /// scanner. After the rescan the scanner reads the image again, so the next packet finds it current.
    /// </summary>
    [Theory]
    [InlineData(ProcessGenerations.ExecBits, false)]
    [InlineData(ProcessGenerations.FileCodeBits, false)]
    [InlineData(ProcessGenerations.ExecBits, true)]
    public async Task An_image_made_stale_by_lost_events_is_read_again_after_the_rescan(ulong field, bool readMapsOnce)
    {
        var options = TrackingOptions.Default with { GraceDelay = _table.GraceDelay, ReadMapsOnce = readMapsOnce };
        ProcessImageStore store = Store(options);
        using var child = ChildProcess.Start("/usr/bin/python3", "-c",
            "import socket, os, sys\n" +
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n" +
            "print(os.readlink(f'/proc/self/fd/{s.fileno()}'), flush=True)\n" +
            "sys.stdin.read()\n");
        child.ReadLine();
        Assert.True(child.Pid < PidMax);
        IActorRef tracker = await StartTracker(store, options, "/proc");
        ProcessImage first = null!;
        AwaitCondition(() => store.TryGetImage(child.Pid, out first), Wait, Poll);
        Assert.True(store.Generations.IsCurrent(first));

        // The counter moves as the probe moves it (the lowest bit of the field); the event is lost.
        _generations.Write(child.Pid, _generations.Read(child.Pid) + (field & ~(field << 1)));
        Assert.False(store.Generations.IsCurrent(first));
        tracker.Tell(new TrackingEventsLost(3, TrackingLossCause.KernelRingBufferFull));

        AwaitCondition(() => store.TryGetImage(child.Pid, out ProcessImage image) && store.Generations.IsCurrent(image), Wait, Poll);
    }
}
