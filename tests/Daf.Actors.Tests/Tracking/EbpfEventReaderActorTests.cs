// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Daf.Actors.Tracking;
using Daf.Interop.Bpf;

namespace Daf.Actors.Tests.Tracking;

public sealed class EbpfEventReaderActorTests : TestKit
{
    internal static string SyscallProbeObject()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Daf.sln")))
            directory = directory.Parent;
        Assert.NotNull(directory);
        string path = Path.Combine(directory.FullName, "bin", "syscall_probe.o");
        Assert.True(File.Exists(path), $"{path} is missing: `make bin/syscall_probe.o` builds it (make test does so first)");
        return path;
    }

    /// <summary>
    /// A subscription is answered once the object is loaded and attached: the verifier's work, which a machine busy with
    /// other builds and probes stretches to seconds. A bound, not a delay.
    /// </summary>
    private static readonly TimeSpan LoadBound = TimeSpan.FromSeconds(30);

    /// <summary>The object is attached only while someone subscribes: this subscribes a probe and waits until it is.</summary>
    private async Task<Akka.TestKit.TestProbe> SubscribeAsync(IActorRef reader)
    {
        var subscriber = CreateTestProbe();
        reader.Tell(new SubscribeTrackingEvents(subscriber));
        await subscriber.FishForMessageAsync(m =>
        {
            (m as TrackingEventsReceived)?.Release();
            return m is TrackingSubscribed;
        }, LoadBound);
        return subscriber;
    }

    [Fact]
    public async Task The_object_is_attached_only_while_someone_subscribes()
    {
        IActorRef reader = Sys.ActorOf(EbpfEventReaderActor.Props(SyscallProbeObject()));
        TrackerStats idle = await reader.Ask<TrackerStats>(GetTrackerStats.Instance, TimeSpan.FromSeconds(3));
        Assert.False(idle.Loaded);
        Assert.Empty(idle.ProgramIds);

        var subscriber = CreateTestProbe();
        reader.Tell(new SubscribeTrackingEvents(subscriber));
        Assert.True((await subscriber.ExpectMsgAsync<TrackingSubscribed>(LoadBound)).Tracking);
        TrackerStats attached = await reader.Ask<TrackerStats>(GetTrackerStats.Instance, TimeSpan.FromSeconds(3));
        Assert.True(attached.Loaded, attached.LoadError);
        Assert.All(attached.ProgramIds, id => Assert.True(BpfObject.IsProgramLoaded(id)));

        reader.Tell(new UnsubscribeTrackingEvents(subscriber));
        await AwaitAssertAsync(async () =>
        {
            TrackerStats stats = await reader.Ask<TrackerStats>(GetTrackerStats.Instance, TimeSpan.FromSeconds(1));
            Assert.False(stats.Loaded);
            Assert.All(attached.ProgramIds, id => Assert.False(BpfObject.IsProgramLoaded(id)));
        }, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task A_missing_object_leaves_the_reader_idle_and_says_why()
    {
        IActorRef reader = Sys.ActorOf(EbpfEventReaderActor.Props("/nonexistent/syscall_probe.o"));
        await EventFilter.Warning(contains: "eBPF process tracking is off")
            .ExpectOneAsync(async () => await SubscribeAsync(reader));

        TrackerStats stats = await reader.Ask<TrackerStats>(GetTrackerStats.Instance, TimeSpan.FromSeconds(3));

        Assert.False(stats.Loaded);
        Assert.Contains("bpf_object__open_file(/nonexistent/syscall_probe.o)", stats.LoadError);
        Assert.Contains("ENOENT", stats.LoadError);
        Assert.Empty(stats.Programs);
        Assert.Equal(0, stats.Forks + stats.Execs + stats.Exits);
    }

    [Fact]
    public async Task Fork_exec_and_exit_of_child_processes_are_counted()
    {
        IActorRef reader = Sys.ActorOf(EbpfEventReaderActor.Props(SyscallProbeObject()));
        await SubscribeAsync(reader);
        TrackerStats before = await reader.Ask<TrackerStats>(GetTrackerStats.Instance, TimeSpan.FromSeconds(3));
        Assert.True(before.Loaded, before.LoadError);
        Assert.Equal(8, before.Programs.Count); // six tracepoint programs and the two cgroup ones on the cgroup2 root
        Assert.Empty(before.SkippedPrograms);

        const int children = 3;
        for (int i = 0; i < children; i++)
        {
            using var child = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })!;
            child.WaitForExit();
        }

        await AwaitAssertAsync(async () =>
        {
            TrackerStats stats = await reader.Ask<TrackerStats>(GetTrackerStats.Instance, TimeSpan.FromSeconds(1));
            Assert.InRange(stats.Forks - before.Forks, children, long.MaxValue);
            Assert.InRange(stats.Execs - before.Execs, children, long.MaxValue);
            Assert.InRange(stats.Exits - before.Exits, children, long.MaxValue);
            Assert.Equal(0, stats.Malformed);
            Assert.Equal(0UL, stats.KernelDropped);
        }, TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task Stopping_the_reader_unloads_its_programs_promptly()
    {
        IActorRef reader = Sys.ActorOf(EbpfEventReaderActor.Props(SyscallProbeObject()));
        await SubscribeAsync(reader);
        TrackerStats stats = await reader.Ask<TrackerStats>(GetTrackerStats.Instance, TimeSpan.FromSeconds(3));
        Assert.Equal(8, stats.ProgramIds.Count);
        Assert.All(stats.ProgramIds, id => Assert.True(BpfObject.IsProgramLoaded(id)));

        Watch(reader);
        var stopping = Stopwatch.StartNew();
        Sys.Stop(reader);
        await ExpectTerminatedAsync(reader, TimeSpan.FromSeconds(3));
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(2), $"stop took {stopping.Elapsed}");
        await AwaitAssertAsync(() => Assert.All(stats.ProgramIds, id => Assert.False(BpfObject.IsProgramLoaded(id))),
            TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task A_subscriber_receives_its_childs_socket_descriptor_with_the_inode_proc_shows()
    {
        IActorRef reader = Sys.ActorOf(EbpfEventReaderActor.Props(SyscallProbeObject()));
        var subscriber = CreateTestProbe();
        reader.Tell(new SubscribeTrackingEvents(subscriber));
        Assert.True((await subscriber.ExpectMsgAsync<TrackingSubscribed>(LoadBound)).Tracking);

        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("""
            import os, socket
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            os.dup2(s.fileno(), 300)
            print(os.readlink("/proc/self/fd/300")[8:-1])
            """);
        // Release batches while the child runs: events of the whole machine arrive, and a subscriber that holds
        // them lags behind.
        using var child = Process.Start(start)!;
        uint pid = (uint)child.Id;
        var seen = new List<BpfEventKind>();
        DescriptorEvent? dup2 = null;
        var deadline = Stopwatch.StartNew();
        while (!seen.Contains(BpfEventKind.ProcessExit) && deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            object message = await subscriber.ReceiveOneAsync(TimeSpan.FromSeconds(1));
            if (message is TrackingEventsLost)
                continue; // a loaded machine; fails below only if the child's events were among them
            if (message is ImageEventReceived)
                continue; // exec files and exit images come alone, between batches
            if (message is not TrackingEventsReceived batch)
            {
                Assert.Fail($"unexpected {message}");
                return;
            }
            foreach (TrackingEvent e in batch.Events)
            {
                if (e.Pid != pid)
                    continue;
                seen.Add(e.Kind);
                if (e.Type == TrackingEventType.Descriptor && e.Descriptor.Fd == 300 && e.Kind == BpfEventKind.FdSocket)
                    dup2 = e.Descriptor;
            }
            batch.Release();
        }
        ulong inode = ulong.Parse((await child.StandardOutput.ReadToEndAsync()).Trim());
        await child.WaitForExitAsync();
        Assert.Equal(BpfEventKind.ProcessFork, seen[0]);
        Assert.Contains(BpfEventKind.ProcessExec, seen);
        Assert.Contains(BpfEventKind.ExecMapped, seen);
        Assert.NotNull(dup2);
        Assert.Equal((inode, pid), (dup2.Value.Inode, dup2.Value.ThreadId));
    }

    [Fact]
    public async Task A_restart_tells_subscribers_events_were_lost_and_keeps_them_subscribed()
    {
        IActorRef reader = Sys.ActorOf(EbpfEventReaderActor.Props(SyscallProbeObject()));
        var subscriber = CreateTestProbe();
        reader.Tell(new SubscribeTrackingEvents(subscriber));
        await subscriber.FishForMessageAsync(m => m is TrackingSubscribed, LoadBound);

        reader.Tell(new EbpfReaderFailed(new InvalidOperationException("simulated reader failure")));

        await subscriber.FishForMessageAsync(m =>
        {
            (m as TrackingEventsReceived)?.Release();
            return m is TrackingEventsLost { Cause: TrackingLossCause.ReaderRestarted };
        }, LoadBound);
        var resubscribed = (TrackingSubscribed)await subscriber.FishForMessageAsync(m =>
        {
            (m as TrackingEventsReceived)?.Release();
            return m is TrackingSubscribed;
        }, LoadBound);
        Assert.True(resubscribed.Tracking);
        TrackerStats stats = await reader.Ask<TrackerStats>(GetTrackerStats.Instance, TimeSpan.FromSeconds(3));
        Assert.Equal(1, stats.Subscribers);
    }

    [Fact]
    public async Task A_stopped_subscriber_is_forgotten_and_an_idle_reader_says_no_tracking()
    {
        IActorRef reader = Sys.ActorOf(EbpfEventReaderActor.Props("/nonexistent/syscall_probe.o"));
        var subscriber = CreateTestProbe();
        reader.Tell(new SubscribeTrackingEvents(subscriber));
        Assert.False((await subscriber.ExpectMsgAsync<TrackingSubscribed>(LoadBound)).Tracking);
        Assert.Equal(1, (await reader.Ask<TrackerStats>(GetTrackerStats.Instance, TimeSpan.FromSeconds(3))).Subscribers);

        Sys.Stop(subscriber);

        await AwaitAssertAsync(async () =>
            Assert.Equal(0, (await reader.Ask<TrackerStats>(GetTrackerStats.Instance, TimeSpan.FromSeconds(1))).Subscribers),
            TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(50));
    }
}
