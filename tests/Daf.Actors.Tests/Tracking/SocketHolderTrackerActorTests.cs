// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Daf.Actors.Identity;
using Daf.Actors.Tests.Identity;
using Daf.Actors.Tracking;
using Daf.Interop.Proc;
using Xunit.Abstractions;
using static Daf.Actors.Tests.Tracking.TrackingEvents;

namespace Daf.Actors.Tests.Tracking;

/// <summary>The tracker against real processes (root) and synthetic events.</summary>
public sealed class SocketHolderTrackerActorTests(ITestOutputHelper output) : TestKit
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);
    private const string Python = "/usr/bin/python3";

    /// <summary>Prints the readlink of a UDP socket it holds, then waits for stdin to close.</summary>
    private const string PythonSocket =
        "import socket, os, sys\n" +
        "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n" +
        "print(os.readlink(f'/proc/self/fd/{s.fileno()}'), flush=True)\n" +
        "sys.stdin.read()\n";

    private SocketHolderTable _table = new(Grace);
    private readonly ProcessImageStore _images = new();

    /// <summary>Starts the tracker and waits for its start-up scan (events stamped before it would count as covered by it).</summary>
    private async Task<IActorRef> StartTracker(TrackingOptions? options = null)
    {
        options ??= TrackingOptions.Default with { GraceDelay = Grace };
        _table = new SocketHolderTable(options.GraceDelay);
        IActorRef tracker = Sys.ActorOf(SocketHolderTrackerActor.Props(_table, _images, new ObjectDigestCache(), options));
        await StatsOf(tracker);
        return tracker;
    }

    private static Task<HolderTrackerStats> StatsOf(IActorRef tracker) =>
        tracker.Ask<HolderTrackerStats>(GetHolderTrackerStats.Instance, Wait);

    private static ulong ParseInode(string link)
    {
        Assert.True(SocketLink.TryParse(System.Text.Encoding.ASCII.GetBytes(link.Trim()), out ulong inode), link);
        return inode;
    }

    private bool Holds(ulong inode, int tgid) => _table.TryGetHolders(inode, out HolderSet holders) && holders.Contains(tgid);

    [Fact]
    public async Task Tracking_is_ready_only_once_the_event_subscription_is_answered()
    {
        var reader = CreateTestProbe();
        var readiness = new TrackingReadiness();
        var options = TrackingOptions.Default with { GraceDelay = Grace };
        _table = new SocketHolderTable(options.GraceDelay);
        IActorRef tracker = Sys.ActorOf(SocketHolderTrackerActor.Props(_table, _images,
            new ProcessIdentityReader(new ObjectDigestCache(), options.IdentityOptions), options, reader.Ref, readiness: readiness));
        reader.ExpectMsg<SubscribeTrackingEvents>(Wait);
        await StatsOf(tracker); // the start-up walk is done
        Assert.False(readiness.Ready.IsCompleted);
        tracker.Tell(new TrackingSubscribed(true), reader.Ref);
        Assert.True(await readiness.Ready.WaitAsync(Wait));
    }

    [Fact]
    public async Task Start_up_scan_finds_the_socket_a_child_holds()
    {
        using var child = ChildProcess.Start(Python, "-c", PythonSocket);
        ulong inode = ParseInode(child.ReadLine());
        IActorRef tracker = await StartTracker();
        HolderTrackerStats stats = await StatsOf(tracker);

        Assert.True(_table.TryGetHolders(inode, out HolderSet holders));
        Assert.Equal([child.Pid], holders.ThreadGroups.ToArray());
        Assert.Equal(1, stats.FullScans);
        output.WriteLine($"start-up scan: {stats.LastFullScan.TotalMilliseconds:F1} ms, {stats.Sockets} sockets, {stats.Holders} holders");
        // The holder gets a scanner, which publishes its image.
        AwaitCondition(() => _images.TryGetImage(child.Pid, out _), Wait, Poll);
    }

    [Fact]
    public async Task A_fork_event_publishes_the_parents_sockets_with_the_fork_count_it_carries()
    {
        IActorRef tracker = await StartTracker();
        const ulong Shared = 0xDAF0_0000_0000_0003;
        const int Parent = 2_000_000_011, Child = 2_000_000_012, Grandchild = 2_000_000_013;

        tracker.Tell(Batch(Socket(Parent, 3, Shared), Fork(Parent, Child, parentForks: 5), Fork(Child, Grandchild, parentForks: 1)));
        await StatsOf(tracker);

        Assert.True(_table.TryGetHolders(Shared, out HolderSet set));
        Assert.Equal([Parent, Child, Grandchild], set.ThreadGroups.ToArray());
        Assert.Equal([5UL, 1UL, 0UL], set.AppliedForks.ToArray());
    }

    [Fact]
    public async Task Events_keep_the_table_current_and_exec_rereads_the_descriptor_table()
    {
        using var child = ChildProcess.Start(Python, "-c", PythonSocket);
        ulong real = ParseInode(child.ReadLine());
        IActorRef tracker = await StartTracker();
        const ulong Duplicated = 0xDAF0_0000_0000_0001;
        const int Other = 2_000_000_001, Forked = 2_000_000_002;

        // A descriptor the events announce (dup to fd 300), copied by a fork, closed by one of them.
        tracker.Tell(Batch(Socket(child.Pid, 300, Duplicated), Socket(Other, 259, Duplicated), Fork(Other, Forked),
            Closed(Other, 3)));
        await StatsOf(tracker);
        Assert.Equal([child.Pid, Other, Forked], _table.TryGetHolders(Duplicated, out HolderSet set) ? set.ThreadGroups.ToArray() : []);

        tracker.Tell(Batch(RangeClosed(Other, 256, 260), Exit(Forked)));
        await StatsOf(tracker);
        Assert.True(Holds(Duplicated, Other) && Holds(Duplicated, Forked), "dropped holders stay for the grace delay");
        AwaitCondition(() => !Holds(Duplicated, Other) && !Holds(Duplicated, Forked), Wait, Poll);
        Assert.True(Holds(Duplicated, child.Pid));

        // exec: /proc/PID/fd is read again; fd 300 never existed there, the real socket does.
        tracker.Tell(Batch(Exec(child.Pid)));
        HolderTrackerStats stats = await StatsOf(tracker);
        Assert.Equal(1, stats.DescriptorRereads);
        AwaitCondition(() => !_table.TryGetHolders(Duplicated, out _), Wait, Poll);
        Assert.True(Holds(real, child.Pid));
    }

    [Fact]
    public async Task Events_older_than_the_proc_read_that_covers_them_are_skipped()
    {
        using var child = ChildProcess.Start(Python, "-c", PythonSocket);
        ulong inode = ParseInode(child.ReadLine());
        TrackingEvent stale = RangeClosed(child.Pid, 0, -1);
        IActorRef tracker = await StartTracker();

        tracker.Tell(Batch(stale));
        HolderTrackerStats stats = await StatsOf(tracker);
        Assert.Equal(1, stats.EventsSkipped);
        Assert.True(Holds(inode, child.Pid));

        tracker.Tell(Batch(RangeClosed(child.Pid, 0, -1)));
        stats = await StatsOf(tracker);
        Assert.Equal(1, stats.EventsApplied);
        AwaitCondition(() => !_table.TryGetHolders(inode, out _), Wait, Poll);
    }

    [Fact]
    public async Task Exit_keeps_the_holder_for_the_grace_delay()
    {
        IActorRef tracker = await StartTracker(TrackingOptions.Default with { GraceDelay = TimeSpan.FromMilliseconds(400) });
        const ulong Inode = 0xDAF0_0000_0000_0002;
        const int Sender = 2_000_000_003;
        tracker.Tell(Batch(Socket(Sender, 4, Inode)));
        await StatsOf(tracker);
        var clock = Stopwatch.StartNew();
        tracker.Tell(Batch(Exit(Sender)));
        await StatsOf(tracker);
        Assert.True(Holds(Inode, Sender));
        AwaitCondition(() => !_table.TryGetHolders(Inode, out _), Wait, Poll);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(380), $"dropped after {clock.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Holders_that_exit_one_after_another_each_leave_after_their_own_grace_delay_whatever_events_come_between()
    {
        IActorRef tracker = await StartTracker(TrackingOptions.Default with { GraceDelay = TimeSpan.FromMilliseconds(300) });
        const ulong First = 0xDAF0_0000_0000_0011, Second = 0xDAF0_0000_0000_0012, Busy = 0xDAF0_0000_0000_0013;
        const int A = 2_000_000_011, B = 2_000_000_012, C = 2_000_000_013;
        tracker.Tell(Batch(Socket(A, 4, First), Socket(B, 4, Second)));
        await StatsOf(tracker);
        tracker.Tell(Batch(Exit(A)));
        await Task.Delay(100);
        tracker.Tell(Batch(Exit(B)));
        // Event batches while both wait (each makes the tracker look at its expiries again).
        for (int i = 0; i < 10; i++)
        {
            tracker.Tell(Batch(Socket(C, 5 + i, Busy)));
            await Task.Delay(10);
        }
        await StatsOf(tracker);
        AwaitCondition(() => !_table.TryGetHolders(First, out _), Wait, Poll);
        AwaitCondition(() => !_table.TryGetHolders(Second, out _), Wait, Poll);
        Assert.True(Holds(Busy, C));
    }

    [Fact]
    public async Task Process_that_takes_a_socket_and_exits_keeps_its_image_and_sockets_for_the_grace_delay()
    {
        var grace = TimeSpan.FromMilliseconds(500);
        IActorRef tracker = await StartTracker(TrackingOptions.Default with { GraceDelay = grace });
        using var child = ChildProcess.Start(Python, "-c", PythonSocket);
        int pid = child.Pid;
        ulong inode = ParseInode(child.ReadLine());

        tracker.Tell(Batch(Socket(pid, 3, inode)));
        AwaitCondition(() => _images.TryGetImage(pid, out _), Wait, Poll);
        Assert.True(_images.TryGetImage(pid, out ProcessImage image));
        Assert.True(image.Maps(Tools.Sha256Sum(Python)));

        child.Dispose();
        var clock = Stopwatch.StartNew();
        tracker.Tell(Batch(Exit(pid)));
        await StatsOf(tracker);
        Assert.True(Holds(inode, pid));
        Assert.True(_images.TryGetImage(pid, out ProcessImage kept));
        Assert.Same(image, kept);
        AwaitCondition(() => !_images.TryGetImage(pid, out _) && !_table.TryGetHolders(inode, out _), Wait, Poll);
        Assert.True(clock.Elapsed >= grace - TimeSpan.FromMilliseconds(20), $"{clock.Elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Rescan_after_lost_events_drops_a_process_whose_exit_was_never_announced()
    {
        IActorRef tracker = await StartTracker(TrackingOptions.Default with { GraceDelay = TimeSpan.FromMilliseconds(200) });
        using var child = ChildProcess.Start(Python, "-c", PythonSocket);
        int pid = child.Pid;
        ulong inode = ParseInode(child.ReadLine());
        tracker.Tell(Batch(Socket(pid, 3, inode)));
        AwaitCondition(() => _images.TryGetImage(pid, out _), Wait, Poll);

        child.Dispose();
        // Two notices, one walk.
        tracker.Tell(new TrackingEventsLost(1, TrackingLossCause.KernelRingBufferFull));
        tracker.Tell(new TrackingEventsLost(5, TrackingLossCause.SubscriberLagging));
        await StatsOf(tracker);
        HolderTrackerStats stats = await StatsOf(tracker);
        Assert.Equal(2, stats.FullScans);
        // The image goes only when its scanner is told the process is gone: nothing else would read it again.
        AwaitCondition(() => !_table.TryGetHolders(inode, out _) && !_images.TryGetImage(pid, out _), Wait, Poll);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Exec_starts_reading_the_image_before_any_socket_only_when_asked(bool readOnExec)
    {
        IActorRef tracker = await StartTracker(TrackingOptions.Default with { GraceDelay = Grace, ReadOnExec = readOnExec });
        using var child = ChildProcess.Start("/bin/sleep", "30");
        child.WaitUntilMaps("/libc.so.6");

        tracker.Tell(Batch(Exec(child.Pid)));
        HolderTrackerStats stats = await StatsOf(tracker);
        if (readOnExec)
        {
            Assert.Equal(1, stats.EventsApplied);
            AwaitCondition(() => _images.TryGetImage(child.Pid, out ProcessImage image) && image.Maps(Tools.Sha256Sum("/bin/sleep")), Wait, Poll);
        }
        else
        {
            Assert.Equal(1, stats.EventsSkipped);
            await Task.Delay(300);
            Assert.False(_images.TryGetImage(child.Pid, out _));
        }
    }

    [Fact]
    public async Task Socket_received_over_SCM_RIGHTS_is_found_by_the_reread_FDS_RECEIVED_triggers()
    {
        const string script =
            "import socket, os, sys, time\n" +
            "a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)\n" +
            "pid = os.fork()\n" +
            "if pid == 0:\n" +
            "    msg, fds, flags, addr = socket.recv_fds(b, 16, 4)\n" +
            "    print('received', os.readlink(f'/proc/self/fd/{fds[0]}'), flush=True)\n" +
            "    time.sleep(60)\n" +
            "    os._exit(0)\n" +
            "print(pid, flush=True)\n" +
            "sys.stdin.readline()\n" +
            "u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n" +
            "socket.send_fds(a, [b'x'], [u.fileno()])\n" +
            "u.close()\n" +
            "sys.stdin.read()\n";
        using var parent = ChildProcess.Start(Python, "-c", script);
        int receiver = int.Parse(parent.ReadLine());
        IActorRef tracker = await StartTracker();

        parent.Input.WriteLine("send");
        parent.Input.Flush();
        string line = parent.ReadLine();
        Assert.StartsWith("received ", line);
        ulong inode = ParseInode(line["received ".Length..]);
        Assert.False(Holds(inode, receiver), "nothing announced the socket yet");

        tracker.Tell(Batch(FdsReceived(receiver)));
        await StatsOf(tracker);
        Assert.True(_table.TryGetHolders(inode, out HolderSet holders));
        Assert.Equal([receiver], holders.ThreadGroups.ToArray());
    }

    /// <summary>
    /// A fork event applied after a /proc read of the parent that came later (a full scan or a re-read racing the
    /// events): the parent's table then shows sockets it opened after the fork, which the child never had.
    /// </summary>
    [Fact]
    public async Task Fork_applied_after_a_later_read_of_the_parent_does_not_give_the_child_the_parents_newer_sockets()
    {
        const string script =
            "import socket, os, sys, time\n" +
            "inherited = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n" +
            "parent = os.getpid()\n" +
            "child = os.fork()\n" +
            "if child == 0:\n" +
            "    while os.getppid() == parent:\n" +
            "        time.sleep(0.05)\n" +
            "    os._exit(0)\n" +
            "print(child, os.readlink(f'/proc/self/fd/{inherited.fileno()}'), flush=True)\n" +
            "sys.stdin.readline()\n" +
            "later = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n" +
            "print(os.readlink(f'/proc/self/fd/{later.fileno()}'), flush=True)\n" +
            "sys.stdin.read()\n";
        using var parent = ChildProcess.Start(Python, "-c", script);
        string[] first = parent.ReadLine().Split(' ');
        int child = int.Parse(first[0], System.Globalization.CultureInfo.InvariantCulture);
        ulong inherited = ParseInode(first[1]);
        IActorRef tracker = await StartTracker();
        // Stamped after the start-up scan read both processes, before the parent opens its next socket.
        TrackingEvent fork = Fork(parent.Pid, child);

        parent.Input.WriteLine("open");
        parent.Input.Flush();
        ulong later = ParseInode(parent.ReadLine());
        tracker.Tell(Batch(FdsReceived(parent.Pid)));
        await StatsOf(tracker);
        Assert.True(Holds(later, parent.Pid), "the re-read finds the parent's new socket");

        tracker.Tell(Batch(fork));
        await StatsOf(tracker);
        Assert.False(Holds(later, child), "the child was forked before the parent opened this socket");
        Assert.True(Holds(inherited, child), "the child holds the socket it inherited");
        Assert.True(Holds(inherited, parent.Pid));
    }

    [Fact]
    public async Task Multi_threaded_process_is_one_holder()
    {
        const string script =
            "import socket, os, sys, threading\n" +
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n" +
            "stop = threading.Event()\n" +
            "threads = [threading.Thread(target=stop.wait) for _ in range(8)]\n" +
            "[t.start() for t in threads]\n" +
            "print(os.readlink(f'/proc/self/fd/{s.fileno()}'), flush=True)\n" +
            "sys.stdin.read()\n" +
            "stop.set()\n";
        using var child = ChildProcess.Start(Python, "-c", script);
        ulong inode = ParseInode(child.ReadLine());
        Assert.True(Directory.GetDirectories($"/proc/{child.Pid}/task").Length >= 9);
        IActorRef tracker = await StartTracker();

        Assert.True(_table.TryGetHolders(inode, out HolderSet holders));
        Assert.Equal([child.Pid], holders.ThreadGroups.ToArray());
    }

    [Fact]
    public async Task Process_with_a_thousand_sockets_is_read_whole()
    {
        const string script =
            "import socket, os, sys\n" +
            "socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(1000)]\n" +
            "print(' '.join(os.readlink(f'/proc/self/fd/{s.fileno()}') for s in socks), flush=True)\n" +
            "sys.stdin.read()\n";
        using var child = ChildProcess.Start(Python, "-c", script);
        ulong[] inodes = child.ReadLine().Split(' ').Select(ParseInode).ToArray();
        Assert.Equal(1000, inodes.Distinct().Count());
        IActorRef tracker = await StartTracker();
        HolderTrackerStats stats = await StatsOf(tracker);
        output.WriteLine($"start-up scan with a 1,000-socket process: {stats.LastFullScan.TotalMilliseconds:F1} ms");

        Assert.All(inodes, inode => Assert.True(Holds(inode, child.Pid), $"socket:[{inode}]"));
        var clock = Stopwatch.StartNew();
        tracker.Tell(Batch(FdsReceived(child.Pid)));
        stats = await StatsOf(tracker);
        output.WriteLine($"re-read of its descriptor table (round trip): {clock.Elapsed.TotalMilliseconds:F1} ms");
        Assert.Equal(1, stats.DescriptorRereads);
        Assert.All(inodes, inode => Assert.True(Holds(inode, child.Pid), $"socket:[{inode}]"));
    }

    [Fact]
    public async Task Live_probe_events_keep_holders_current()
    {
        const string script =
            "import socket, os, sys\n" +
            "print('ready', flush=True)\n" +
            "sys.stdin.readline()\n" +
            "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n" +
            "os.dup2(s.fileno(), 300)\n" +
            "s.close()\n" +
            "print(os.readlink('/proc/self/fd/300'), flush=True)\n" +
            "sys.stdin.readline()\n" +
            "os.close(300)\n" +
            "print('closed', flush=True)\n" +
            "sys.stdin.read()\n";
        IActorRef reader = Sys.ActorOf(EbpfEventReaderActor.Props(EbpfEventReaderActorTests.SyscallProbeObject()));
        var options = TrackingOptions.Default with { GraceDelay = TimeSpan.FromMilliseconds(200) };
        _table = new SocketHolderTable(options.GraceDelay);
        IActorRef tracker = Sys.ActorOf(SocketHolderTrackerActor.Props(_table, _images, new ObjectDigestCache(), options, reader));
        // The reader attaches its object when the tracker subscribes.
        await AwaitAssertAsync(async () =>
        {
            TrackerStats probe = await reader.Ask<TrackerStats>(GetTrackerStats.Instance, Wait);
            Assert.True(probe.Loaded, probe.LoadError);
        }, Wait, Poll);
        AwaitCondition(() => StatsOf(tracker).Result.FullScans >= 2, Wait, Poll);
        using var child = ChildProcess.Start(Python, "-c", script);
        Assert.Equal("ready", child.ReadLine());

        child.Input.WriteLine("open");
        child.Input.Flush();
        ulong inode = ParseInode(child.ReadLine());
        AwaitCondition(() => Holds(inode, child.Pid), Wait, Poll);
        AwaitCondition(() => _images.TryGetImage(child.Pid, out _), Wait, Poll);

        child.Input.WriteLine("close");
        child.Input.Flush();
        Assert.Equal("closed", child.ReadLine());
        AwaitCondition(() => !_table.TryGetHolders(inode, out _), Wait, Poll);
        HolderTrackerStats stats = await StatsOf(tracker);
        Assert.True(stats.EventsApplied > 0);
        Assert.Equal(0, stats.FallbackScans);
        // More walks only when the machine's other events outran the tracker (reported lost, never dropped silently).
        output.WriteLine($"{stats.FullScans} full scans, {stats.EventsApplied} events applied, {stats.EventsSkipped} skipped");
    }

    [Fact]
    public async Task Fallback_scan_finds_holders_of_a_socket_no_event_announced()
    {
        IActorRef tracker = await StartTracker();
        using var child = ChildProcess.Start(Python, "-c", PythonSocket);
        ulong inode = ParseInode(child.ReadLine());
        Assert.False(_table.TryGetHolders(inode, out _));

        tracker.Tell(new FindSocketHolders(inode));
        HolderTrackerStats stats = await StatsOf(tracker);
        Assert.True(Holds(inode, child.Pid));
        Assert.Equal(1, stats.FallbackScans);

        // Known now: asking again costs nothing.
        tracker.Tell(new FindSocketHolders(inode));
        Assert.Equal(1, (await StatsOf(tracker)).FallbackScans);
    }

    [Fact]
    public async Task Fallback_scans_are_rate_limited_whatever_the_number_of_requests()
    {
        const int PerSecond = 2;
        IActorRef tracker = await StartTracker(TrackingOptions.Default with { GraceDelay = Grace, FallbackScansPerSecond = PerSecond });
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 1000; i++)
            tracker.Tell(new FindSocketHolders(0xDAF0_0000_0001_0000UL + (ulong)(i % 7)));
        await StatsOf(tracker);
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        HolderTrackerStats stats = await StatsOf(tracker);
        double seconds = clock.Elapsed.TotalSeconds;

        Assert.Equal(1000, stats.FallbackRequests);
        Assert.InRange(stats.FallbackScans, 1, (long)Math.Floor(seconds * PerSecond) + 1);
        Assert.Equal(stats.FallbackScans + 1, stats.FullScans);
        output.WriteLine($"{stats.FallbackRequests} requests in {seconds:F2} s: {stats.FallbackScans} scans");
    }
}
