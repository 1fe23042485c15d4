// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.Event;
using Daf.Actors.Attribution;
using Daf.Actors.Rules;
using Daf.Actors.Supervision;
using Daf.Actors.Verdicts;
using Daf.Interop.NfQueue;
using Daf.Interop.Packets;
using Daf.Interop.Posix;
using Daf.Interop.Time;

namespace Daf.Actors.Queue;

/// <summary>
/// Reads one NFQUEUE. On its dedicated thread it sleeps in poll on the queue socket, its wake-up
/// eventfd and its batcher's timer (no CPU while idle), reads packets in bulk, judges each batch
/// against the current rule snapshot and sends the verdicts itself, through the planner it shares with its
/// <see cref="VerdictBatcherActor"/>; it hands a batch to the batcher only when the planner is busy or an earlier
/// hand-over is pending (<see cref="SharedVerdictPlanner"/>).
/// On stop it reads what is left, hands it over and, once the batcher has flushed, decides anything
/// that arrived meanwhile itself before it unbinds.
/// Supervision (docs/ARCHITECTURE.md): restarted by the guardian on failure or kill; a restart keeps the bound
/// socket (packets not read yet wait in the kernel) and the batcher, gives a verdict to every packet of the batch it
/// was judging (what cannot be judged is dropped) and reads on. Its batcher is restarted on failure with the same
/// planner, so runs and deferred packets survive.
/// </summary>
public sealed partial class QueueReaderActor : UntypedActor
{
    private const int SocketSlot = 0, WakeSlot = 1, TimerSlot = 2;
    private const int RoundsPerRead = 8;
    /// <summary>Bounds the drain under a flood; what still arrives is decided in PostStop, the rest dropped by the kernel at unbind.</summary>
    private const int DrainRounds = 64;

    private readonly QueueSettings _settings;
    private readonly RuleSnapshotHolder _rules;
    private readonly QueueSignals _signals;
    private readonly QueueCounters _counters;
    private readonly TscClock _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly int[] _fds = new int[3];
    private readonly bool[] _readable = new bool[3];

    private readonly NfQueueSocket _socket;
    private NfQueuePacketBatch? _batch;
    private readonly PacketBatchJudgedPool _pool;
    private readonly SharedVerdictPlanner _verdicts;
    /// <summary>The batch being judged; applied inline and reused, or handed to the batcher and replaced from the pool.</summary>
    private PacketBatchJudged? _judged;
    /// <summary>The batch being judged and how many packets were read into it: what a restart must still decide.</summary>
    private PacketBatchJudged? _judging;
    private int _judgingCount;
    private IActorRef _batcher = ActorRefs.Nobody;
    private bool _finished;
    private readonly QueueIdentity? _queueIdentity;
    private readonly PacketIdentity? _identity;
    private readonly List<AttributePacket> _deferrals = [];
    private readonly QueueSignatures? _signatures;
    private readonly ForeignHolderImages _foreignHolders = new();
    private readonly PacketIdentity? _foreignIdentity;
    private readonly List<(IActorRef To, AttributePacket Packet)> _foreignDeferrals = [];

    public QueueReaderActor(QueueSettings settings, NfQueueSocket socket, RuleSnapshotHolder rules, QueueSignals signals, QueueCounters counters, TscClock clock)
        : this(settings, socket, rules, signals, counters, clock, null, new PacketBatchJudgedPool(settings.Queue.BatchDepth),
            NewVerdicts(settings, socket, signals, counters, clock), null)
    {
    }

    /// <param name="identity">Where holders are found on the hot path and who attributes deferred packets; null: identity rules never match.</param>
    /// <param name="pool">Shared by the reader and its batcher, and kept across restarts of either.</param>
    /// <param name="verdicts">The queue's planner, shared with the batcher and kept across restarts of either.</param>
    /// <param name="signatures">Verification before the rules and signing of accepted packets (docs/signatures.md); null: neither.</param>
    public QueueReaderActor(QueueSettings settings, NfQueueSocket socket, RuleSnapshotHolder rules, QueueSignals signals, QueueCounters counters, TscClock clock,
        QueueIdentity? identity, PacketBatchJudgedPool pool, SharedVerdictPlanner verdicts, QueueSignatures? signatures)
    {
        _pool = pool;
        _verdicts = verdicts;
        _signatures = signatures;
        _queueIdentity = identity;
        _identity = identity is null ? null : new PacketIdentity(identity.Holders, final: false);
        _foreignIdentity = identity?.Foreign is null ? null : new PacketIdentity(_foreignHolders, final: false);
        _settings = settings;
        _socket = socket;
        _rules = rules;
        _signals = signals;
        _counters = counters;
        _clock = clock;
    }

    /// <param name="socket">The bound queue. The host binds it before the actors start so that a refusal stops app-fw with the errno; the reader owns it from then on and unbinds it when it stops.</param>
    public static Props Props(QueueSettings settings, NfQueueSocket socket, RuleSnapshotHolder rules, QueueSignals signals, QueueCounters counters, TscClock clock) =>
        Props(settings, socket, rules, signals, counters, clock, null);

    public static Props Props(QueueSettings settings, NfQueueSocket socket, RuleSnapshotHolder rules, QueueSignals signals, QueueCounters counters, TscClock clock,
        QueueIdentity? identity) =>
        Props(settings, socket, rules, signals, counters, clock, identity, null);

    public static Props Props(QueueSettings settings, NfQueueSocket socket, RuleSnapshotHolder rules, QueueSignals signals, QueueCounters counters, TscClock clock,
        QueueIdentity? identity, QueueSignatures? signatures) =>
        Props(settings, socket, rules, signals, counters, clock, identity, new PacketBatchJudgedPool(settings.Queue.BatchDepth),
            NewVerdicts(settings, socket, signals, counters, clock), signatures);

    // The arguments are evaluated once: every incarnation of the reader (and of its batcher) shares the pool and the planner.
    private static Props Props(QueueSettings settings, NfQueueSocket socket, RuleSnapshotHolder rules, QueueSignals signals, QueueCounters counters,
        TscClock clock, QueueIdentity? identity, PacketBatchJudgedPool pool, SharedVerdictPlanner verdicts, QueueSignatures? signatures) =>
        Akka.Actor.Props.Create(() => new QueueReaderActor(settings, socket, rules, signals, counters, clock, identity, pool, verdicts, signatures))
            .WithDispatcher(DafDispatchers.QueueReader);

    private static SharedVerdictPlanner NewVerdicts(QueueSettings settings, NfQueueSocket socket, QueueSignals signals, QueueCounters counters, TscClock clock) =>
        new(new SocketVerdictSink(socket, counters), signals, clock, settings.BatchCount, settings.BatchTimeoutMicroseconds);

    /// <summary>The batcher is restarted on any failure, also when killed: it keeps its planner (runs, deferred packets).</summary>
    protected override SupervisorStrategy SupervisorStrategy() => DafSupervision.RestartOnFailure();

    protected override void PreStart()
    {
        var config = _settings.Queue;
        _batch = _socket.CreateBatch();
        _judged = _pool.Rent();
        _fds[SocketSlot] = _socket.FileDescriptor;
        _fds[WakeSlot] = _signals.Wake.FileDescriptor;
        _fds[TimerSlot] = _signals.BatchTimer.FileDescriptor;
        // After a restart the batcher survives with its mailbox (see PreRestart), and with it the batches handed over.
        _batcher = Context.Child(BatcherName);
        if (_batcher.IsNobody())
        {
            _verdicts.BatcherReplaced();
            _batcher = Context.ActorOf(VerdictBatcherActor.Props(_verdicts, _pool, _signals), BatcherName);
            _log.Info("queue {0} bound for {1}", config.QueueNumber, _settings.Chain.ToString().ToUpperInvariant());
        }
        // A batcher that keeps failing is stopped by this reader's strategy: the reader stops too (the watchdog then stops app-fw).
        Context.Watch(_batcher);
        Self.Tell(ReadQueue.Instance);
    }

    protected override void OnReceive(object message)
    {
        if (message is ReadQueue)
        {
            if (!_finished) ReadOnce();
        }
        else if (message is Terminated terminated)
        {
            if (!terminated.ActorRef.Equals(_batcher)) return;
            // Batches and deferred verdicts handed to it would never be sent: stop, so that the watchdog stops app-fw
            // (PostStop decides what arrived meanwhile and unbinds; --queue-bypass or --fail-closed decides the rest).
            _log.Error("queue {0}: verdict batcher stopped after repeated failures; stopping the reader", _settings.Queue.QueueNumber);
            Context.Stop(Self);
        }
        else
        {
            Unhandled(message);
        }
    }

    private void ReadOnce()
    {
        if (_signals.StopRequested)
        {
            Drain();
            return;
        }

        Poller.Wait(_fds, _readable, -1);
        if (_readable[TimerSlot] && _signals.BatchTimer.Drain()) _batcher.Tell(BatchTimerFired.Instance);
        if (_readable[WakeSlot]) _signals.Wake.Drain();
        if (_readable[SocketSlot]) ReceiveAndJudge(RoundsPerRead, stopWhenEmptied: true);

        if (_signals.StopRequested) Drain();
        else Self.Tell(ReadQueue.Instance);
    }

    /// <summary>Hands everything still queued to the batcher, then asks it to flush.</summary>
    private void Drain()
    {
        ReceiveAndJudge(DrainRounds);
        _finished = true;
        _batcher.Tell(QueueDrained.Instance);
    }

    /// <param name="stopWhenEmptied">
    /// Back to poll after a read that emptied the socket, instead of a read that would find nothing: one syscall less per
    /// burst (with identity tracking every syscall pays the probe's raw tracepoints, docs/tracking.md, "Cost"). Poll
    /// returns at once if more arrived meanwhile. Draining reads until a read finds nothing.
    /// </param>
    private void ReceiveAndJudge(int rounds, bool stopWhenEmptied = false)
    {
        var socket = _socket;
        var batch = _batch!;
        var lastWasEndOfBurst = false;
        for (var round = 0; round < rounds; round++)
        {
            var count = socket.Receive(batch);
            Volatile.Write(ref _counters.Enobufs, socket.EnobufsCount);
            Volatile.Write(ref _counters.Truncated, socket.TruncatedCount);
            if (count == 0)
            {
                if (round > 0 && !lastWasEndOfBurst && !_verdicts.TryFlushAllInline()) _batcher.Tell(QueueIdle.Instance);
                return;
            }
            var judged = _judged!;
            judged.Clear();
            _judging = judged;
            _judgingCount = count;
            JudgeBatch(batch, 0, count, judged);
            _judging = null;
            // recvmmsg returns fewer messages than asked only when the socket ran empty.
            judged.EndOfBurst = lastWasEndOfBurst = count < batch.Capacity;
            ApplyOrHandOver(judged);
            // After the batch: the planner knows of the deferral before the attribution actor can decide it.
            if (_deferrals.Count != 0 || _foreignDeferrals.Count != 0) HandOverDeferrals();
            if (lastWasEndOfBurst && stopWhenEmptied) return;
        }
    }

    /// <summary>Sends the batch's verdicts on this thread when the ownership rule allows (<see cref="SharedVerdictPlanner"/>), else hands it to the batcher.</summary>
    /// <returns>True when the batch was handed over (it belongs to the batcher now).</returns>
    private bool ApplyOrHandOver(PacketBatchJudged judged)
    {
        if (_verdicts.TryApplyInline(judged)) return false;
        _verdicts.HandingOver();
        _batcher.Tell(judged);
        _judged = _pool.Rent();
        return true;
    }

    /// <param name="from">0; after a failure, the first packet not judged yet (<see cref="FinishInterruptedBatch"/>).</param>
    private void JudgeBatch(NfQueuePacketBatch batch, int from, int count, PacketBatchJudged judged)
    {
        var snapshot = _rules.Current;
        var chain = _settings.Chain;
        var identity = _identity;
        var decisions = _settings.Decisions;
        decisions?.Begin(snapshot.Version);
        var signatures = _signatures;
        long accepted = 0, dropped = 0, malformed = 0, deferred = 0, unattributed = 0;
        // Forwarded packets are judged in the namespace of their socket when rules name other namespaces.
        var routes = _foreignIdentity is not null && snapshot.ForeignNamespaceSpan.Length != 0 ? _queueIdentity!.Foreign!.Current : null;
        for (var i = from; i < count; i++)
        {
            ref readonly var packet = ref batch[i];
#if DAF_FAULT_INJECTION
            if (from == 0) InjectedFaultPoint(i, count);
#endif
            var payload = batch.Payload(i);
            var app = AttestedApp.None;
            if (signatures is { Verifies: true } && !signatures.Verify(payload, _counters, out app))
            {
                dropped++;
                judged.Add(new JudgedPacket(packet.PacketId, Verdict.Drop, false));
                continue;
            }
            var parsed = PacketHeaderParser.TryParse(payload, out var headers);
            var urgent = parsed && IsUrgent(headers);
            if (parsed && routes is not null && packet.Hook == NF_INET_FORWARD
                && TryJudgeForwarded(snapshot, routes, chain, headers, urgent, app, packet, judged, ref accepted, ref dropped, ref deferred, ref unattributed))
                continue;
            var verdict = JudgeParsed(snapshot, chain, _settings.CounterSlot, parsed, headers, app, identity, out var isDeferred, out var matched, ref malformed);
            if (isDeferred && identity!.Images.MissingFlow && _queueIdentity!.FirstLookup is { } firstLookup
                && LookUpFirst(firstLookup, chain, headers, packet.HasUid ? packet.Uid : null))
                verdict = snapshot.Judge(chain, headers, app, _settings.CounterSlot, identity, out isDeferred, out matched);
            if (isDeferred)
            {
                deferred++;
                judged.Add(new JudgedPacket(packet.PacketId, verdict, urgent) { Deferred = true });
                _deferrals.Add(new AttributePacket(chain, headers, packet.HasUid ? packet.Uid : null, packet.PacketId, _batcher, _counters)
                {
                    App = app,
                    Signing = signatures is { Signs: true } ? new DeferredSigning(signatures, payload.ToArray()) : null,
                    Decisions = decisions?.Deferred,
                });
                continue;
            }
            if (identity is { Unattributed: true }) unattributed++;
            if (verdict == Verdict.Accept && signatures is { Rewrites: true })
            {
                var location = matched >= 0 ? snapshot.Rules[chain][matched].SignatureLocation : null;
                var space = judged.SignedSpace(QueueSignatures.MaxRewrittenLength(payload.Length));
                var written = signatures.TryRewrite(payload, headers, matched != MalformedPacket, packet.HasUid ? packet.Uid : null, location, space, _counters);
                if (written > 0)
                {
                    accepted++;
                    judged.Add(new JudgedPacket(packet.PacketId, verdict, urgent) { SignedOffset = judged.CommitSigned(written), SignedLength = written });
                    continue;
                }
                // What cannot be signed is dropped: every verifier would drop it.
                if (signatures.Signs) verdict = Verdict.Drop;
            }
            if (verdict == Verdict.Accept) accepted++;
            else dropped++;
            judged.Add(new JudgedPacket(packet.PacketId, verdict, urgent));
            if (decisions is not null && matched != MalformedPacket)
                decisions.Record(verdict, headers, matched, packet.PacketId, packet.HasUid, packet.Uid);
        }
        decisions?.Flush();
        Volatile.Write(ref _counters.Received, _counters.Received + count - from);
        Volatile.Write(ref _counters.Accepted, _counters.Accepted + accepted);
        Volatile.Write(ref _counters.Dropped, _counters.Dropped + dropped);
        if (malformed != 0) Volatile.Write(ref _counters.Malformed, _counters.Malformed + malformed);
        if (identity is not null)
        {
            Volatile.Write(ref _counters.IdentityLookups, identity.Lookups + (_foreignIdentity?.Lookups ?? 0));
            if (deferred != 0) Volatile.Write(ref _counters.Deferred, _counters.Deferred + deferred);
            if (unattributed != 0) Interlocked.Add(ref _counters.Unattributed, unattributed);
        }
    }

    private const byte NF_INET_FORWARD = 2;

    /// <summary>
    /// A forwarded packet, when rules name other namespaces: it has no socket in the daemon's namespace, so it is judged by
    /// the snapshot of the namespace whose locator's flow cache knows its socket (the side local there by the queue's
    /// chain, <see cref="SocketLocator.ForeignSidesOf"/>), with that namespace's holders; unknown flows are deferred to
    /// a search of the namespaces whose rules of this chain could judge it (their attributors, off the hot path), or to
    /// the <see cref="ForeignNamespacesActor"/> when a namespace a rule names has no locator yet. False when no other
    /// namespace has rules for the chain, or the headers cannot be read: the daemon's rules judge it.
    /// </summary>
    private bool TryJudgeForwarded(RuleSnapshot snapshot, NamespaceRoute[] routes, Chain chain, in PacketHeaders headers, bool urgent,
        in AttestedApp app, in NfQueuePacket packet, PacketBatchJudged judged, ref long accepted, ref long dropped, ref long deferred,
        ref long unattributed)
    {
        var sides = SocketLocator.ForeignSidesOf(chain);
        int candidates = 0;
        var missingRoute = false;
        foreach (var ns in snapshot.ForeignNamespaceSpan)
        {
            var rules = ns.Rules;
            if (!rules.JudgesAnything(chain))
                continue;
            if (RouteOf(routes, ns.Inode) is not { } route)
            {
                missingRoute = true; // named by a rule change a moment ago: its locator is being made
                continue;
            }
            candidates++;
            foreach (var side in sides)
            {
                if (!route.Holders.Locator.TryGetCached(headers, side, out LocatedSocket _))
                    continue;
                _foreignHolders.Target = route.Holders;
                _foreignHolders.Side = side;
                var verdict = rules.Judge(chain, headers, app, _settings.CounterSlot, _foreignIdentity, out var isDeferred, out _);
                if (isDeferred)
                {
                    deferred++;
                    judged.Add(new JudgedPacket(packet.PacketId, verdict, urgent) { Deferred = true });
                    _foreignDeferrals.Add((route.Attributor,
                        new AttributePacket(chain, headers, packet.HasUid ? packet.Uid : null, packet.PacketId, _batcher, _counters) { Side = side }));
                    return true;
                }
                if (_foreignIdentity!.Unattributed) unattributed++;
                if (verdict == Verdict.Accept) accepted++;
                else dropped++;
                judged.Add(new JudgedPacket(packet.PacketId, verdict, urgent));
                return true;
            }
        }
        if (candidates == 0 && !missingRoute)
            return false;
        var foreign = _queueIdentity!.Foreign!;
        var search = new AttributePacket(chain, headers, packet.HasUid ? packet.Uid : null, packet.PacketId, _batcher, _counters);
        IActorRef to;
        if (missingRoute)
        {
            to = foreign.Router; // it makes the missing locators first, then starts the search
        }
        else
        {
            var searched = new NamespaceRoute[candidates];
            candidates = 0;
            foreach (var ns in snapshot.ForeignNamespaceSpan)
            {
                if (ns.Rules.JudgesAnything(chain) && RouteOf(routes, ns.Inode) is { } route)
                    searched[candidates++] = route;
            }
            to = searched[0].Attributor;
            search = search with { Search = new NamespaceSearch(searched, 0, foreign.Fallback) };
        }
        deferred++;
        judged.Add(new JudgedPacket(packet.PacketId, snapshot.Policies[chain], urgent) { Deferred = true });
        _foreignDeferrals.Add((to, search));
        return true;
    }

    private static NamespaceRoute? RouteOf(NamespaceRoute[] routes, ulong inode)
    {
        foreach (var route in routes)
        {
            if (route.Inode == inode)
                return route;
        }
        return null;
    }

    /// <summary>The slow socket lookup for a flow seen for the first time; true when it found (and cached) the socket.</summary>
    private bool LookUpFirst(ISocketLookup lookup, Chain chain, in PacketHeaders headers, uint? uid)
    {
        try
        {
            return lookup.Lookup(headers, SocketLocator.LocalSideOf(chain), uid).Status == SocketLookupStatus.Found;
        }
        catch (Daf.Interop.Netlink.NetlinkException e)
        {
            _log.Warning("queue {0}: socket lookup failed: {1}", _settings.Queue.QueueNumber, e.Message);
            return false;
        }
    }

    private void HandOverDeferrals()
    {
        foreach (var deferral in _deferrals) _queueIdentity!.Attributor.Tell(deferral);
        _deferrals.Clear();
        foreach (var (to, deferral) in _foreignDeferrals) to.Tell(deferral);
        _foreignDeferrals.Clear();
    }

    /// <summary>
    /// A packet whose headers cannot be read cannot match any rule: it gets the chain's policy, and is counted.
    /// </summary>
    /// <param name="matched">0-based rule index, -1 for the policy, <see cref="MalformedPacket"/> when the headers could not be read.</param>
    private static Verdict Judge(RuleSnapshot snapshot, Chain chain, int counterSlot, ReadOnlySpan<byte> payload, in AttestedApp app, PacketIdentity? identity,
        out PacketHeaders headers, out bool urgent, out bool deferred, out int matched, ref long malformed)
    {
        var parsed = PacketHeaderParser.TryParse(payload, out headers);
        urgent = parsed && IsUrgent(headers);
        return JudgeParsed(snapshot, chain, counterSlot, parsed, headers, app, identity, out deferred, out matched, ref malformed);
    }

    /// <summary>Judges headers already parsed; <paramref name="parsed"/> false: the chain's policy, counted as malformed.</summary>
    private static Verdict JudgeParsed(RuleSnapshot snapshot, Chain chain, int counterSlot, bool parsed, in PacketHeaders headers, in AttestedApp app,
        PacketIdentity? identity, out bool deferred, out int matched, ref long malformed)
    {
        if (!parsed)
        {
            malformed++;
            deferred = false;
            matched = MalformedPacket;
            return snapshot.Policies[chain];
        }
        return snapshot.Judge(chain, headers, app, counterSlot, identity, out deferred, out matched);
    }

    private static bool IsUrgent(in PacketHeaders headers) => headers.Protocol == 6 && (headers.TcpFlags & (TcpFlagSyn | TcpFlagPsh)) != 0;

    /// <summary>The "matched rule" of a packet whose headers could not be read (it got the policy).</summary>
    private const int MalformedPacket = -2;

    private const byte TcpFlagSyn = 0x02, TcpFlagPsh = 0x08;

    /// <summary>
    /// A restart keeps the bound socket (packets not read yet stay queued in the kernel) and the batcher (Akka restarts
    /// it with its reader; its planner survives), and first decides the batch whose judging failed.
    /// </summary>
    protected override void PreRestart(Exception reason, object message)
    {
        _log.Error(reason, "queue {0}: reader failed; restarting with the same socket", _settings.Queue.QueueNumber);
        try
        {
            FinishInterruptedBatch();
        }
        catch (Exception e)
        {
            _log.Error(e, "queue {0}: cannot decide the interrupted batch", _settings.Queue.QueueNumber);
        }
    }

    /// <summary>
    /// Judges the rest of the batch whose judging threw (a packet that throws again is dropped: a DROP rule might
    /// cover it) and applies it (or hands it to the batcher) with its deferrals, so that every packet the reader read gets a verdict.
    /// The counters of the whole batch are written here: the failed judging wrote none.
    /// </summary>
    private void FinishInterruptedBatch()
    {
        var judged = _judging;
        if (judged is null || _batch is null) return;
        _judging = null;
        long accepted = 0, dropped = 0, deferred = 0, failed = 0;
        foreach (ref readonly var packet in judged.Packets)
        {
            if (packet.Deferred) deferred++;
            else if (packet.Verdict == Verdict.Accept) accepted++;
            else dropped++;
        }
        var received = judged.Count;
        Volatile.Write(ref _counters.Received, _counters.Received + received);
        Volatile.Write(ref _counters.Accepted, _counters.Accepted + accepted);
        Volatile.Write(ref _counters.Dropped, _counters.Dropped + dropped);
        if (deferred != 0) Volatile.Write(ref _counters.Deferred, _counters.Deferred + deferred);
        while (judged.Count < _judgingCount)
        {
            var next = judged.Count;
            try
            {
                JudgeBatch(_batch, next, next + 1, judged);
            }
            catch (Exception)
            {
                if (judged.Count > next) continue;
                judged.Add(new JudgedPacket(_batch[next].PacketId, Verdict.Drop, false));
                Volatile.Write(ref _counters.Received, _counters.Received + 1);
                Volatile.Write(ref _counters.Dropped, _counters.Dropped + 1);
                failed++;
            }
        }
        judged.EndOfBurst = true;
        // The next incarnation rents its own batch: this one goes back to the pool unless the batcher has it now.
        if (!ApplyOrHandOver(judged)) _pool.Return(judged);
        if (_deferrals.Count != 0 || _foreignDeferrals.Count != 0) HandOverDeferrals();
        _log.Warning("queue {0}: decided the {1} packets of the interrupted batch ({2} dropped as unjudgeable)",
            _settings.Queue.QueueNumber, _judgingCount, failed);
    }

    private const string BatcherName = "batcher";

    protected override void PostStop()
    {
        // Children (the batcher) have stopped and flushed. Decide what arrived since the drain, then unbind.
        var socket = _socket;
        if (_batch is null) return;
        try
        {
            var sink = new SocketVerdictSink(socket, _counters);
            var rewritten = Array.Empty<byte>();
            var decisions = _settings.Decisions;
            for (var round = 0; round < 1024; round++)
            {
                var count = socket.Receive(_batch);
                if (count == 0) break;
                var snapshot = _rules.Current;
                decisions?.Begin(snapshot.Version);
                long accepted = 0, dropped = 0, malformed = 0;
                for (var i = 0; i < count; i++)
                {
                    // No holder lookups here: the attribution actor may be gone; identity rules do not match.
                    var payload = _batch.Payload(i);
                    var app = AttestedApp.None;
                    var verdict = Verdict.Drop;
                    var written = 0;
                    if (_signatures is not { Verifies: true } || _signatures.Verify(payload, _counters, out app))
                    {
                        verdict = Judge(snapshot, _settings.Chain, _settings.CounterSlot, payload, app, null, out var headers, out _, out _, out var matched, ref malformed);
                        if (verdict == Verdict.Accept && _signatures is { Rewrites: true })
                        {
                            Array.Resize(ref rewritten, Math.Max(rewritten.Length, QueueSignatures.MaxRewrittenLength(payload.Length)));
                            var location = matched >= 0 ? snapshot.Rules[_settings.Chain][matched].SignatureLocation : null;
                            written = _signatures.TryRewrite(payload, headers, matched != MalformedPacket, null, location, rewritten, _counters);
                            if (written == 0 && _signatures.Signs) verdict = Verdict.Drop;
                        }
                        if (decisions is not null && matched != MalformedPacket)
                            decisions.Record(verdict, headers, matched, _batch[i].PacketId, _batch[i].HasUid, _batch[i].Uid);
                    }
                    if (written > 0) sink.VerdictWithPayload(_batch[i].PacketId, NfVerdict.NF_ACCEPT, rewritten.AsSpan(0, written));
                    else sink.Verdict(_batch[i].PacketId, VerdictBatchPlanner.ToNf(verdict));
                    if (verdict == Verdict.Drop) dropped++;
                    else accepted++;
                }
                sink.Flush();
                decisions?.WriteNow(_log); // the log actor may be stopped already: written here
                Volatile.Write(ref _counters.Received, _counters.Received + count);
                Volatile.Write(ref _counters.Accepted, _counters.Accepted + accepted);
                Volatile.Write(ref _counters.Dropped, _counters.Dropped + dropped);
                if (malformed != 0) Volatile.Write(ref _counters.Malformed, _counters.Malformed + malformed);
            }
        }
        catch (Exception e)
        {
            _log.Error(e, "queue {0}: final drain failed", _settings.Queue.QueueNumber);
        }
        finally
        {
            socket.Dispose();
        }
    }
}
