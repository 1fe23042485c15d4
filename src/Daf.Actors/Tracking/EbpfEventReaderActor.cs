// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.Event;
using Daf.Interop.Bpf;
using Daf.Interop.Posix;
using Daf.Interop.Proc;

namespace Daf.Actors.Tracking;

/// <summary>
/// Owns the eBPF object (bin/syscall_probe.o or <c>-e PATH</c>) and its `events` ring buffer. It loads and attaches the
/// object when its first subscriber comes (the tracker, which runs only while some rule has identity criteria) and
/// detaches it when the last one goes: the probe runs on every system call of the machine and its events wake the
/// daemon, a cost that address and port rules never need. Attached, it reads events on a dedicated thread (<see cref="EbpfReaderThread"/>) that sleeps in poll,
/// so the actor itself stays free to answer <see cref="GetTrackerStats"/> on any dispatcher. It counts events per kind
/// and sends decoded events in pooled batches to the actors that sent <see cref="SubscribeTrackingEvents"/> (see
/// <see cref="TrackingEventPublisher"/> for the bound and how losses are announced).
/// When the object cannot be loaded (file missing, EPERM, no libbpf) it logs a warning and stays idle: the daemon
/// keeps filtering by address and port.
/// </summary>
/// <remarks>
/// Supervision: a load failure is not an actor failure (no restart loop on a missing file). A failure of the reader
/// thread comes back as <see cref="EbpfReaderFailed"/> and is rethrown, so the guardian (<c>DafSupervision</c>) restarts the
/// actor, as it does when the actor is killed: PostStop stops the thread, detaches and closes the object, and the object is
/// loaded afresh when the actor has subscribers again (the kept ones, or the first new one). Subscribers are
/// kept across the restart and told <see cref="TrackingEventsLost"/> (ReaderRestarted): events in between are lost.
/// </remarks>
public sealed partial class EbpfEventReaderActor : ReceiveActor
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The probe's cgroup/sock_release program (bpf/syscall_probe.bpf.c).</summary>
    public const string SocketReleaseProgram = "daf_sock_release";

    private readonly string _objectPath;
    private readonly BpfCounterArray? _generations;
    private readonly BpfCounterArray? _exits;
    private readonly BpfCounterArray? _forks;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly ProcessEventCounters _counters = new();
    private TrackingEventPublisher _publisher = new(null);

    private BpfObject? _object;
    private BpfRingBuffer? _ring;
    private EventFd? _stop;
    private EbpfReaderThread? _thread;
    private string? _loadError;

    /// <param name="hurry">Lets a deferred packet cut the reader's coalescing pause short (owned by the caller).</param>
    /// <param name="forks">The per-process fork counts the object's `forks` map becomes (<see cref="Identity.ProcessGenerations.Forks"/>).</param>
    public EbpfEventReaderActor(string objectPath, BpfCounterArray? generations = null, BpfCounterArray? exits = null,
        TrackingEventsHurry? hurry = null, BpfCounterArray? forks = null)
    {
        Hurry = hurry;
        _objectPath = objectPath;
        _generations = generations;
        _exits = exits;
        _forks = forks;
        Receive<GetTrackerStats>(_ => Sender.Tell(Stats()));
        Receive<SubscribeTrackingEvents>(subscribe =>
        {
            if (_thread is null && _publisher.SubscriberCount == 0) Attach();
            // The answer first: the reader thread may send the first events the moment the subscription is in place.
            subscribe.Subscriber.Tell(new TrackingSubscribed(_thread is not null)
            {
                SocketReleases = _thread is not null && _object!.IsAttached(SocketReleaseProgram),
            });
            if (_publisher.Subscribe(subscribe.Subscriber))
                Context.Watch(subscribe.Subscriber);
        });
        Receive<UnsubscribeTrackingEvents>(unsubscribe => Forget(unsubscribe.Subscriber));
        Receive<Terminated>(terminated => Forget(terminated.ActorRef));
        Receive<EbpfReaderFailed>(failed => throw new InvalidOperationException(
            $"eBPF event reader of {_objectPath} failed: {failed.Reason.Message}", failed.Reason));
    }

    /// <param name="objectPath">The eBPF object to load, e.g. bin/syscall_probe.o beside app-fw.</param>
    /// <param name="generations">The per-process generation counters the object's `generations` map becomes
    /// (<see cref="Identity.ProcessGenerations"/>); owned by the caller, so they outlive restarts of this actor. Null:
    /// the object keeps its own (unused) map.</param>
    /// <param name="exits">The per-process exit times the object's `exits` map becomes (<see cref="Identity.ProcessGenerations.Exits"/>),
    /// owned by the caller like <paramref name="generations"/>. Null: the object keeps its own.</param>
    /// <param name="hurry">Lets a deferred packet cut the reader's coalescing pause short (owned by the caller).</param>
    /// <param name="forks">The per-process fork counts the object's `forks` map becomes (<see cref="Identity.ProcessGenerations.Forks"/>),
    /// owned by the caller like <paramref name="generations"/>. Null: the object keeps its own.</param>
    public static Props Props(string objectPath, BpfCounterArray? generations = null, BpfCounterArray? exits = null,
        TrackingEventsHurry? hurry = null, BpfCounterArray? forks = null) =>
        Akka.Actor.Props.Create(() => new EbpfEventReaderActor(objectPath, generations, exits, hurry, forks));

    /// <summary>The maps of the caller's that replace the object's own (null: none).</summary>
    private Dictionary<string, int>? SharedMaps()
    {
        if (_generations is null && _exits is null && _forks is null)
            return null;
        var maps = new Dictionary<string, int>();
        if (_generations is not null)
            maps["generations"] = _generations.FileDescriptor;
        if (_exits is not null)
            maps["exits"] = _exits.FileDescriptor;
        if (_forks is not null)
            maps["forks"] = _forks.FileDescriptor;
        return maps;
    }

    /// <summary>See <see cref="EbpfReaderThread"/>'s hurry descriptor.</summary>
    public TrackingEventsHurry? Hurry { get; }

    private void Attach()
    {
        _loadError = null;
        try
        {
            // Cgroup programs (socket release) attach to the cgroup2 root, which sees every process; without one they are left out.
            using (Cgroup2Root? cgroupRoot = OpenCgroupRoot())
                _object = BpfObject.Load(_objectPath, SharedMaps(), cgroupRoot?.Path);
            _publisher = new TrackingEventPublisher(DroppedCounter(_object));
            _ring = BpfRingBuffer.Create(_object, "events", OnRecord);
        }
        catch (Exception e) when (e is BpfException or DllNotFoundException or EntryPointNotFoundException)
        {
            ReleaseBpf();
            _loadError = e.Message;
            _log.Warning("eBPF process tracking is off ({0}); filtering by address and port continues", e.Message);
            return;
        }

        try
        {
            _stop = EventFd.Create();
        }
        catch
        {
            ReleaseBpf();
            throw;
        }
        IActorRef self = Self;
        TrackingEventPublisher publisher = _publisher;
        _thread = new EbpfReaderThread(_ring, _stop, reason => self.Tell(new EbpfReaderFailed(reason)), publisher.EndOfRound, Hurry);
        _thread.Start();
        _log.Info("eBPF object {0} attached: {1}", _objectPath, string.Join(", ", _object.AttachedPrograms));
        foreach (string skipped in _object.SkippedPrograms)
            _log.Warning("eBPF program not attached: {0} (packets of processes that exit at once may be unattributed)", skipped);
    }

    protected override void PreRestart(Exception reason, object message)
    {
        // The mailbox survives the restart: the new instance re-subscribes them before anything else it receives later.
        foreach (IActorRef subscriber in _publisher.Subscribers())
        {
            subscriber.Tell(new TrackingEventsLost(0, TrackingLossCause.ReaderRestarted));
            Self.Tell(new SubscribeTrackingEvents(subscriber));
        }
        base.PreRestart(reason, message);
    }

    protected override void PostStop() => Detach();

    private void Detach()
    {
        if (_thread is not null && !_thread.Stop(StopTimeout))
        {
            // Freeing the ring under a running reader would be a use-after-free: leak it instead (we are stopping).
            _log.Warning("eBPF reader thread did not stop within {0}; leaving its ring buffer mapped", StopTimeout);
            return;
        }
        _thread = null;
        _stop?.Dispose();
        _stop = null;
        ReleaseBpf();
    }

    private Cgroup2Root? OpenCgroupRoot()
    {
        try
        {
            return Cgroup2Root.Open();
        }
        catch (PosixException e)
        {
            _log.Warning("no cgroup2 hierarchy for the socket release program: {0}", e.Message);
            return null;
        }
    }

    private void OnRecord(ReadOnlySpan<byte> record)
    {
        _counters.Count(record);
        _publisher.Add(record);
    }

    private static Func<ulong>? DroppedCounter(BpfObject bpfObject)
    {
        int fd;
        try { fd = bpfObject.MapFileDescriptor("dropped"); }
        catch (BpfException) { return null; } // an object without the counter map
        return () => bpfObject.ReadArrayU64(fd, 0);
    }

    private void Forget(IActorRef subscriber)
    {
        _publisher.Unsubscribe(subscriber);
        Context.Unwatch(subscriber);
        if (_publisher.SubscriberCount == 0 && _thread is not null)
        {
            Detach();
            _publisher = new TrackingEventPublisher(null);
            _log.Info("eBPF object {0} detached: no subscriber", _objectPath);
        }
    }

    private void ReleaseBpf()
    {
        _ring?.Dispose();
        _ring = null;
        _object?.Dispose();
        _object = null;
    }

    private TrackerStats Stats()
    {
        ulong? dropped = null;
        if (_object is not null)
        {
            try { dropped = _object.ReadArrayU64("dropped", 0); }
            catch (BpfException) { } // an object without the counter map
        }
        return new TrackerStats(
            _object is not null,
            _loadError,
            _object?.AttachedPrograms ?? [],
            _object?.ProgramIds ?? [],
            Volatile.Read(ref _counters.Forks),
            Volatile.Read(ref _counters.Execs),
            Volatile.Read(ref _counters.Exits),
            Volatile.Read(ref _counters.OtherKinds),
            Volatile.Read(ref _counters.Malformed),
            dropped)
        {
            DescriptorEvents = Volatile.Read(ref _counters.Descriptors),
            MappingEvents = Volatile.Read(ref _counters.Mappings),
            SocketReleaseEvents = Volatile.Read(ref _counters.SocketReleases),
            SkippedPrograms = _object?.SkippedPrograms ?? [],
            Subscribers = _publisher.SubscriberCount,
            LostToLaggingSubscribers = Interlocked.Read(ref _publisher.LaggingLost),
        };
    }
}
