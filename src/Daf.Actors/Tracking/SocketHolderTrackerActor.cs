// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Daf.Actors.Attribution;
using Daf.Actors.Supervision;
using Daf.Actors.Identity;
using Daf.Interop.Bpf;
using Daf.Interop.Posix;
using Daf.Interop.Proc;

namespace Daf.Actors.Tracking;

/// <summary>
/// Owns the <see cref="SocketHolderTable"/>: fills it with one walk of every /proc/PID/fd at start, then keeps it
/// current from eBPF events (<see cref="TrackingEventsReceived"/> from the reader it subscribes to, or
/// <see cref="ApplyTrackingEvents"/>): FD_SOCKET sets a descriptor, FD_CLOSED and
/// FD_RANGE_CLOSED close them, FORK copies the parent's table to the child (or reads the child's when the parent's was read after the fork) and records the parent's fork count (<see cref="HolderSet.AppliedForks"/>), EXIT drops the process (its sockets keep
/// it for the grace delay), EXEC and FDS_RECEIVED re-read that one process's /proc/PID/fd (coalesced, at most
/// <see cref="TrackingOptions.DescriptorRereadsPerSecond"/>). Events older than the /proc read that already
/// covers them are skipped. Lost events (<see cref="TrackingEventsLost"/>) mean a full walk; so does a socket
/// nobody announced (<see cref="FindSocketHolders"/>), at most <see cref="TrackingOptions.FallbackScansPerSecond"/>
/// times a second whatever the number of requests.
/// It is also the parent of one <see cref="ProcessScannerActor"/> per process seen holding a socket (and, with
/// <see cref="TrackingOptions.ReadOnExec"/>, per process seen exec'ing), and forwards exec, mapping and exit events to it.
/// </summary>
/// <remarks>
/// Supervision: a failure restarts this actor (the parent's default strategy). Its scanners are stopped with it;
/// the restarted instance walks /proc again, reconciles the same table (packet threads keep their reference) and
/// creates scanners afresh. Scanners that fail are restarted by the default strategy and read their process again.
/// </remarks>
public sealed partial class SocketHolderTrackerActor : ReceiveActor, IWithTimers
{
    private const string ExpireTimer = "expire", RereadTimer = "reread", FallbackTimer = "fallback";
    private const int MaxExecFiles = 65536;
    private static long s_scannerSequence;

    private readonly SocketHolderTable _table;
    private readonly ProcessImageStore _images;
    private readonly ProcessIdentityReader _reader;
    private readonly TrackingOptions _options;
    private readonly string _procRoot;
    private readonly IActorRef? _eventReader;
    private readonly ReleasedSocketTable? _released;
    private readonly TrackingReadiness? _readiness;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private readonly Dictionary<int, IActorRef> _scanners = [];
    private readonly Dictionary<int, ulong> _descriptorsReadAt = [];
    private readonly Dictionary<int, ExecFileEvent> _execFiles = [];
    private readonly HashSet<int> _pendingRereads = [];
    private readonly List<SocketDescriptor> _sockets = [];
    private readonly List<int> _tgids = [];
    private ulong _fullScanStartedAt;
    private long _rereadWindowStart;
    private int _rereadsInWindow;
    private long _nextFallbackAllowed;
    private bool _fallbackPending, _resyncPending;
    private long _eventsApplied, _eventsSkipped, _fullScans, _fallbackScans, _fallbackRequests, _rereads;
    private TimeSpan _lastFullScan;

    /// <param name="eventReader">The <see cref="EbpfEventReaderActor"/> to subscribe to; null: events come as
    /// <see cref="ApplyTrackingEvents"/> (or not at all, and only fallback scans update the table).</param>
    /// <param name="released">Where SOCKET_RELEASED events go (the socket locators look there when sock_diag misses); null: ignored.</param>
    /// <param name="readiness">Completed once the start-up walk is done and the eBPF subscription answered.</param>
    public SocketHolderTrackerActor(SocketHolderTable table, ProcessImageStore images, ProcessIdentityReader reader,
        TrackingOptions options, IActorRef? eventReader = null, string procRoot = "/proc", ReleasedSocketTable? released = null,
        TrackingReadiness? readiness = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(options);
        if (table.GraceDelay != options.GraceDelay)
            throw new ArgumentException($"the table's grace delay ({table.GraceDelay}) differs from the options' ({options.GraceDelay})", nameof(table));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.FallbackScansPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DescriptorRereadsPerSecond, 1);
        _table = table;
        _images = images;
        _reader = reader;
        _options = options;
        _procRoot = procRoot;
        _eventReader = eventReader;
        _released = released;
        _readiness = readiness;
        Receive<TrackingEventsReceived>(OnEventsReceived);
        Receive<ApplyTrackingEvents>(batch => Apply(batch.Events.ToArray()));
        Receive<TrackingEventsLost>(OnEventsLost);
        Receive<ImageEventReceived>(OnImageEvent);
        Receive<Resync>(_ =>
        {
            _resyncPending = false;
            FullScan();
        });
        Receive<TrackingSubscribed>(OnSubscribed);
        Receive<FindSocketHolders>(OnFindSocketHolders);
        Receive<RefreshProcessImage>(refresh =>
        {
            if (_scanners.TryGetValue(refresh.Tgid, out IActorRef? scanner))
                scanner.Tell(refresh);
        });
        Receive<ExpireHolders>(_ => ScheduleExpiry());
        Receive<ReadPendingDescriptors>(_ => ReadPendingDescriptorTables());
        Receive<FallbackScanDue>(_ => RunFallbackScan());
        Receive<GetHolderTrackerStats>(_ => Sender.Tell(Stats()));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(SocketHolderTable table, ProcessImageStore images, ProcessIdentityReader reader,
        TrackingOptions options, IActorRef? eventReader = null, string procRoot = "/proc", ReleasedSocketTable? released = null,
        TrackingReadiness? readiness = null) =>
        Akka.Actor.Props.Create(() => new SocketHolderTrackerActor(table, images, reader, options, eventReader, procRoot, released, readiness));

    /// <summary>The tracker with scanners that read processes as <paramref name="options"/> say, sharing <paramref name="cache"/>.</summary>
    public static Props Props(SocketHolderTable table, ProcessImageStore images, ObjectDigestCache cache, TrackingOptions options,
        IActorRef? eventReader = null, ReleasedSocketTable? released = null, TrackingReadiness? readiness = null) =>
        Props(table, images, new ProcessIdentityReader(cache, options.IdentityOptions), options, eventReader, "/proc", released, readiness);

    /// <summary>CLOCK_MONOTONIC in nanoseconds, the clock of the events' timestamps (bpf_ktime_get_ns).</summary>
    public static ulong MonotonicNanoseconds() => Stopwatch.Frequency == 1_000_000_000
        ? (ulong)Stopwatch.GetTimestamp()
        : (ulong)(Stopwatch.GetTimestamp() * (1_000_000_000.0 / Stopwatch.Frequency));

    /// <summary>Scanners are restarted on any failure or kill: they keep the published image and read the process again.</summary>
    protected override SupervisorStrategy SupervisorStrategy() => DafSupervision.RestartOnFailure();

    /// <summary>Keeps the scanners (and so the images they published): the restarted instance adopts them and walks /proc again.</summary>
    protected override void PreRestart(Exception reason, object message) =>
        _log.Error(reason, "socket holder tracker failed; restarting, scanners and images kept");

    protected override void PostRestart(Exception reason)
    {
        foreach (var child in Context.GetChildren())
        {
            // scanner-TGID-SEQUENCE
            var parts = child.Path.Name.Split('-');
            if (parts.Length == 3 && parts[0] == "scanner" && int.TryParse(parts[1], out int tgid))
                _scanners.TryAdd(tgid, child);
        }
        base.PostRestart(reason);
    }

    protected override void PreStart()
    {
        FullScan();
        // Idempotent at the reader, so a restarted tracker may subscribe again.
        _eventReader?.Tell(new SubscribeTrackingEvents(Self));
        if (_eventReader is null)
            _readiness?.MarkReady(false);
    }

    protected override void PostStop()
    {
        if (_released is not null)
            _released.Active = true; // unknown until the next subscription is answered
    }

    private void OnSubscribed(TrackingSubscribed subscribed)
    {
        if (_released is not null)
            _released.Active = subscribed.SocketReleases;
        if (!subscribed.Tracking)
        {
            _log.Warning("eBPF tracking is off: socket holders are learnt only from fallback scans of /proc");
            _readiness?.MarkReady(false);
            return;
        }
        // Events flow from now on; what changed between the start-up scan and the subscription is read again.
        FullScan();
        _readiness?.MarkReady(true);
    }

    /// <summary>
    /// Rescans once the notices and batches already queued are handled: several notices (a lagging subscriber is told
    /// again for each stretch it missed) make one walk, and the batches before it are skipped cheaply by timestamp.
    /// </summary>
    private void OnEventsLost(TrackingEventsLost lost)
    {
        _log.Warning("{0} tracking events lost ({1}): rescanning /proc", lost.Events, lost.Cause);
        if (_resyncPending)
            return;
        _resyncPending = true;
        Self.Tell(Resync.Instance);
    }

    private void OnEventsReceived(TrackingEventsReceived received)
    {
        try
        {
            Apply(received.Events);
        }
        finally
        {
            received.Release();
        }
    }

    private void Apply(ReadOnlySpan<TrackingEvent> events)
    {
        ulong newest = 0;
        foreach (ref readonly TrackingEvent e in events)
        {
            newest = Math.Max(newest, e.TimestampNanoseconds);
            if (Apply(e))
                _eventsApplied++;
            else
                _eventsSkipped++;
        }
        if (_released is not null)
            _released.AppliedThroughNanoseconds = newest;
        ReadPendingDescriptorTables();
        ScheduleExpiry();
    }

    private bool Apply(in TrackingEvent e)
    {
        int tgid = (int)e.Pid;
        switch (e.Kind)
        {
            case BpfEventKind.ProcessFork:
                int parent = (int)e.Process.ParentPid;
                if (IsCoveredByRead(tgid, Timestamp(e)))
                {
                    // The child's descriptors were read after the fork: the parent's sockets account for this fork.
                    _table.ApplyForks(parent, e.Process.ParentForks);
                    return false;
                }
                if (_descriptorsReadAt.TryGetValue(parent, out ulong parentReadAt) && parentReadAt > Timestamp(e))
                {
                    // The parent's descriptors come from a /proc read made after the fork: they may include sockets
                    // the parent opened since, which the child never had. The child's own table tells.
                    if (!ReadDescriptorTable(tgid, ForkStamp.NewProcess))
                        _table.RemoveProcess(tgid);
                    _table.ApplyForks(parent, e.Process.ParentForks);
                    _rereads++;
                    return true;
                }
                _table.Fork(parent, tgid, e.Process.ParentForks);
                EnsureScanner(tgid);
                return true;
            case BpfEventKind.ProcessExec:
                // Close-on-exec descriptors are gone: read the table again. The image starts afresh.
                bool holder = _table.HoldsSockets(tgid);
                if (holder)
                    _pendingRereads.Add(tgid);
                // Withdrawn here, not only when the scanner gets to it: from the moment the tracker publishes what the
                // new image holds (its sockets), the old image must not answer for it.
                _images.Remove(tgid);
                if (_scanners.TryGetValue(tgid, out IActorRef? execed))
                    execed.Tell(ProcessExeced.Instance);
                else if (holder || _options.ReadOnExec)
                    StartScanner(tgid);
                else
                    return false;
                return true;
            case BpfEventKind.ProcessExit:
                _execFiles.Remove(tgid);
                _table.RemoveProcess(tgid);
                _descriptorsReadAt.Remove(tgid);
                _pendingRereads.Remove(tgid);
                if (_scanners.Remove(tgid, out IActorRef? exited))
                    exited.Tell(ProcessExited.Instance);
                return true;
            case BpfEventKind.FdSocket:
                if (IsCoveredByRead(tgid, Timestamp(e)) || e.Descriptor.Fd < 0 || e.Descriptor.Inode == 0)
                    return false;
                _table.SetDescriptor(tgid, e.Descriptor.Fd, e.Descriptor.Inode);
                EnsureScanner(tgid);
                return true;
            case BpfEventKind.FdClosed:
                if (IsCoveredByRead(tgid, Timestamp(e)))
                    return false;
                _table.CloseDescriptor(tgid, e.Descriptor.Fd);
                return true;
            case BpfEventKind.FdRangeClosed:
                if (IsCoveredByRead(tgid, Timestamp(e)))
                    return false;
                _table.CloseRange(tgid, e.Descriptor.Fd, e.Descriptor.FdLast);
                return true;
            case BpfEventKind.FdsReceived:
                _pendingRereads.Add(tgid);
                return true;
            case BpfEventKind.SocketReleased:
                // The process that dropped the last reference held it (a kernel thread's delayed release names nobody);
                // the flow is kept for the locators, whose sock_diag no longer finds the socket.
                SocketReleaseEvent released = e.Socket;
                if (released.Inode == 0)
                    return false;
                if (!released.ReleasedByKernelThread)
                    _table.AddDeparted(tgid, released.Inode, _options.ExitRetention);
                _released?.Add(released);
                return true;
            case BpfEventKind.ExecMapped:
            case BpfEventKind.Unmapped:
                if (!_scanners.TryGetValue(tgid, out IActorRef? scanner))
                    return false;
                scanner.Tell(e.Kind == BpfEventKind.Unmapped ? ProcessMappingsChanged.Unmapping : ProcessMappingsChanged.Mapped);
                return true;
            default:
                return false;
        }
    }

    private static ulong Timestamp(in TrackingEvent e) => e.TimestampNanoseconds;

    /// <summary>
    /// EXEC_FILE: remembers what the process exec'd (until it exits). EXIT_IMAGE (before its EXIT): hands the complete
    /// list to the process's scanner (started for it if need be), which builds an image if it never read one.
    /// </summary>
    private void OnImageEvent(ImageEventReceived received)
    {
        switch (received.Event)
        {
            case ExecFileEvent execFile:
                if (_execFiles.Count >= MaxExecFiles)
                    _execFiles.Clear(); // exits lost: bounded, at worst an exit image lacks its executable's path
                _execFiles[(int)execFile.Pid] = execFile;
                break;
            case ExitImageEvent { Complete: true } exitImage:
                int tgid = (int)exitImage.Pid;
                _execFiles.TryGetValue(tgid, out ExecFileEvent? exec);
                if (!_scanners.TryGetValue(tgid, out IActorRef? scanner))
                {
                    StartScanner(tgid);
                    scanner = _scanners[tgid];
                }
                scanner.Tell(new ExitImageCaptured(exitImage.Objects, exec?.Object, exec?.Path));
                break;
        }
    }

    /// <summary>A /proc read of the process that began after the event already shows its effect.</summary>
    private bool IsCoveredByRead(int tgid, ulong timestamp) =>
        timestamp < _fullScanStartedAt || (_descriptorsReadAt.TryGetValue(tgid, out ulong readAt) && timestamp < readAt);

    private void EnsureScanner(int tgid)
    {
        if (_table.HoldsSockets(tgid) && !_scanners.ContainsKey(tgid))
            StartScanner(tgid);
    }

    private void StartScanner(int tgid)
    {
        long sequence = Interlocked.Increment(ref s_scannerSequence);
        _scanners.Add(tgid, Context.ActorOf(ProcessScannerActor.Props(tgid, _reader, _images, _options), $"scanner-{tgid}-{sequence}"));
    }

    private void ScheduleExpiry()
    {
        TimeSpan? next = _table.Expire();
        if (next is { } delay)
            Timers.StartSingleTimer(ExpireTimer, ExpireHolders.Instance, delay + TimeSpan.FromMilliseconds(1));
    }

    private void ReadPendingDescriptorTables()
    {
        if (_pendingRereads.Count == 0)
            return;
        long now = Stopwatch.GetTimestamp();
        if (now - _rereadWindowStart >= Stopwatch.Frequency)
        {
            _rereadWindowStart = now;
            _rereadsInWindow = 0;
        }
        _tgids.Clear();
        foreach (int tgid in _pendingRereads)
        {
            if (_rereadsInWindow + _tgids.Count >= _options.DescriptorRereadsPerSecond)
                break;
            _tgids.Add(tgid);
        }
        foreach (int tgid in _tgids)
        {
            _pendingRereads.Remove(tgid);
            _rereadsInWindow++;
            _rereads++;
            ReadDescriptorTable(tgid);
        }
        if (_pendingRereads.Count > 0 && !Timers.IsTimerActive(RereadTimer))
        {
            TimeSpan wait = Stopwatch.GetElapsedTime(now, _rereadWindowStart + Stopwatch.Frequency);
            Timers.StartSingleTimer(RereadTimer, ReadPendingDescriptors.Instance, wait);
        }
        ScheduleExpiry();
    }

    /// <summary>What a read of a process's descriptor table says of the children it forked (docs/tracking.md, "Forks").</summary>
    private enum ForkStamp
    {
        /// <summary>Nothing: the read does not cover the children (their FORK events do).</summary>
        Keep,
        /// <summary>The process is new (read for its FORK event): it has forked nothing the events will not tell.</summary>
        NewProcess,
        /// <summary>Its fork count read before the read: every child forked by then is read too, in the same full scan.</summary>
        Counter,
    }

    /// <summary>Reads one process's descriptor table into the table; false when the process is gone or unreadable.</summary>
    private bool ReadDescriptorTable(int tgid, ForkStamp stamp = ForkStamp.Keep)
    {
        // Before the read, like an image's generation: a child forked after this load is the events' business.
        uint? forks = stamp switch
        {
            ForkStamp.Counter => _images.Generations.ForksOf(tgid),
            ForkStamp.NewProcess => 0,
            _ => null,
        };
        ulong startedAt = MonotonicNanoseconds();
        if (!ProcessDirectory.TryOpen(tgid, out ProcessDirectory? directory, out PosixError error, _procRoot))
        {
            LogUnreadable(tgid, error);
            return false;
        }
        using (directory)
        {
            if (!directory!.TryReadSocketDescriptors(_sockets, out error))
            {
                LogUnreadable(tgid, error);
                return false;
            }
        }
        _descriptorsReadAt[tgid] = startedAt;
        _table.ReplaceProcess(tgid, _sockets, forks);
        EnsureScanner(tgid);
        return true;
    }

    private void LogUnreadable(int tgid, in PosixError error)
    {
        if (!error.IsNoSuchProcessOrFile)
            _log.Warning("cannot read the descriptors of process {0}: {1}", tgid, error);
    }

    /// <summary>Walks every /proc/PID/fd and reconciles the whole table with what it finds.</summary>
    private void FullScan()
    {
        long started = Stopwatch.GetTimestamp();
        _fullScanStartedAt = MonotonicNanoseconds();
        _descriptorsReadAt.Clear();
        ThreadGroups.List(_tgids, _procRoot);
        var seen = new HashSet<int>(_tgids.Count);
        foreach (int tgid in _tgids)
        {
            if (ReadDescriptorTable(tgid, ForkStamp.Counter))
                seen.Add(tgid);
        }
        // A process forked during the walk (after the listing) may be the child of one whose fork count was read since:
        // that count vouches for it, so it is read too. Its own children are left to their FORK events.
        var listed = new HashSet<int>(_tgids);
        ThreadGroups.List(_tgids, _procRoot);
        foreach (int tgid in _tgids)
        {
            if (!listed.Contains(tgid) && ReadDescriptorTable(tgid))
                seen.Add(tgid);
        }
        foreach (int tgid in _table.ThreadGroups.ToArray())
        {
            if (!seen.Contains(tgid))
                _table.RemoveProcess(tgid);
        }
        // Processes whose exit event was lost: their scanners keep the image for the grace delay, then stop.
        foreach (int tgid in _scanners.Keys.ToArray())
        {
            if (!seen.Contains(tgid) && _scanners.Remove(tgid, out IActorRef? gone))
                gone.Tell(ProcessExited.Instance);
        }
        _fullScans++;
        _lastFullScan = Stopwatch.GetElapsedTime(started);
        ScheduleExpiry();
    }

    private void OnFindSocketHolders(FindSocketHolders request)
    {
        _fallbackRequests++;
        if (_table.TryGetHolders(request.Inode, out _))
            return;
        _fallbackPending = true;
        if (Stopwatch.GetTimestamp() >= _nextFallbackAllowed)
            RunFallbackScan();
        else if (!Timers.IsTimerActive(FallbackTimer))
            Timers.StartSingleTimer(FallbackTimer, FallbackScanDue.Instance, Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _nextFallbackAllowed));
    }

    private void RunFallbackScan()
    {
        if (!_fallbackPending)
            return;
        _fallbackPending = false;
        _fallbackScans++;
        FullScan();
        _nextFallbackAllowed = Stopwatch.GetTimestamp() + Stopwatch.Frequency / _options.FallbackScansPerSecond;
    }

    private HolderTrackerStats Stats() => new(
        _table.SocketCount, _table.ThreadGroups.Count, _scanners.Count, _eventsApplied, _eventsSkipped,
        _fullScans, _fallbackScans, _fallbackRequests, _rereads, _lastFullScan);

    private sealed record Resync
    {
        public static readonly Resync Instance = new();
    }

    private sealed record ExpireHolders
    {
        public static readonly ExpireHolders Instance = new();
    }

    private sealed record ReadPendingDescriptors
    {
        public static readonly ReadPendingDescriptors Instance = new();
    }

    private sealed record FallbackScanDue
    {
        public static readonly FallbackScanDue Instance = new();
    }
}
