// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.Event;
using Daf.Actors.Attribution;
using Daf.Actors.Rules;
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
/// Supervision: restarted by its parent on failure (default strategy); a restart closes the socket and
/// binds the queue again, and its child batcher is recreated with it.
/// </summary>
public sealed class QueueReaderActor : UntypedActor
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
    private PacketBatchJudgedPool? _pool;
    private readonly SharedVerdictPlanner _verdicts;
    /// <summary>The batch being judged; applied inline and reused, or handed to the batcher and replaced from the pool.</summary>
    private PacketBatchJudged? _judged;
    private IActorRef _batcher = ActorRefs.Nobody;
    private bool _finished;
    private readonly QueueIdentity? _queueIdentity;
    private readonly PacketIdentity? _identity;
    private readonly List<AttributePacket> _deferrals = [];

    public QueueReaderActor(QueueSettings settings, NfQueueSocket socket, RuleSnapshotHolder rules, QueueSignals signals, QueueCounters counters, TscClock clock)
        : this(settings, socket, rules, signals, counters, clock, null, NewVerdicts(settings, socket, signals, counters, clock))
    {
    }

    /// <param name="identity">Where holders are found on the hot path and who attributes deferred packets; null: identity rules never match.</param>
    /// <param name="verdicts">The queue's planner, shared with the batcher and kept across restarts of either.</param>
    public QueueReaderActor(QueueSettings settings, NfQueueSocket socket, RuleSnapshotHolder rules, QueueSignals signals, QueueCounters counters, TscClock clock,
        QueueIdentity? identity, SharedVerdictPlanner verdicts)
    {
        _verdicts = verdicts;
        _queueIdentity = identity;
        _identity = identity is null ? null : new PacketIdentity(identity.Holders, final: false);
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
        Props(settings, socket, rules, signals, counters, clock, identity, NewVerdicts(settings, socket, signals, counters, clock));

    // The arguments are evaluated once: every incarnation of the reader shares the planner.
    private static Props Props(QueueSettings settings, NfQueueSocket socket, RuleSnapshotHolder rules, QueueSignals signals, QueueCounters counters,
        TscClock clock, QueueIdentity? identity, SharedVerdictPlanner verdicts) =>
        Akka.Actor.Props.Create(() => new QueueReaderActor(settings, socket, rules, signals, counters, clock, identity, verdicts))
            .WithDispatcher(DafDispatchers.QueueReader);

    private static SharedVerdictPlanner NewVerdicts(QueueSettings settings, NfQueueSocket socket, QueueSignals signals, QueueCounters counters, TscClock clock) =>
        new(new SocketVerdictSink(socket, counters), signals, clock, settings.BatchCount, settings.BatchTimeoutMicroseconds);

    protected override void PreStart()
    {
        var config = _settings.Queue;
        _batch = _socket.CreateBatch();
        _pool = new PacketBatchJudgedPool(config.BatchDepth);
        _judged = _pool.Rent();
        _fds[SocketSlot] = _socket.FileDescriptor;
        _fds[WakeSlot] = _signals.Wake.FileDescriptor;
        _fds[TimerSlot] = _signals.BatchTimer.FileDescriptor;
        _verdicts.BatcherReplaced();
        _batcher = Context.ActorOf(
            VerdictBatcherActor.Props(_verdicts, _pool, _signals),
            "batcher");
        _log.Info("queue {0} bound for {1}", config.QueueNumber, _settings.Chain.ToString().ToUpperInvariant());
        Self.Tell(ReadQueue.Instance);
    }

    protected override void OnReceive(object message)
    {
        if (message is ReadQueue)
        {
            if (!_finished) ReadOnce();
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
        if (_readable[SocketSlot]) ReceiveAndJudge(RoundsPerRead);

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

    private void ReceiveAndJudge(int rounds)
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
            JudgeBatch(batch, count, judged);
            // recvmmsg returns fewer messages than asked only when the socket ran empty.
            judged.EndOfBurst = lastWasEndOfBurst = count < batch.Capacity;
            if (!_verdicts.TryApplyInline(judged))
            {
                _verdicts.HandingOver();
                _batcher.Tell(judged);
                _judged = _pool!.Rent();
            }
            // After the batch: the planner knows of the deferral before the attribution actor can decide it.
            if (_deferrals.Count != 0) HandOverDeferrals();
        }
    }

    private void JudgeBatch(NfQueuePacketBatch batch, int count, PacketBatchJudged judged)
    {
        var snapshot = _rules.Current;
        var chain = _settings.Chain;
        var identity = _identity;
        long accepted = 0, dropped = 0, malformed = 0, deferred = 0, unattributed = 0;
        for (var i = 0; i < count; i++)
        {
            ref readonly var packet = ref batch[i];
            var verdict = Judge(snapshot, chain, _settings.CounterSlot, batch.Payload(i), identity, out var headers, out var urgent,
                out var isDeferred, ref malformed);
            if (isDeferred && identity!.Images.MissingFlow && _queueIdentity!.FirstLookup is { } firstLookup
                && LookUpFirst(firstLookup, chain, headers, packet.HasUid ? packet.Uid : null))
                verdict = snapshot.Judge(chain, headers, _settings.CounterSlot, identity, out isDeferred);
            if (isDeferred)
            {
                deferred++;
                judged.Add(new JudgedPacket(packet.PacketId, verdict, urgent) { Deferred = true });
                _deferrals.Add(new AttributePacket(chain, headers, packet.HasUid ? packet.Uid : null, packet.PacketId, _batcher, _counters));
                continue;
            }
            if (identity is { Unattributed: true }) unattributed++;
            if (verdict == Verdict.Accept) accepted++;
            else dropped++;
            judged.Add(new JudgedPacket(packet.PacketId, verdict, urgent));
        }
        Volatile.Write(ref _counters.Received, _counters.Received + count);
        Volatile.Write(ref _counters.Accepted, _counters.Accepted + accepted);
        Volatile.Write(ref _counters.Dropped, _counters.Dropped + dropped);
        if (malformed != 0) Volatile.Write(ref _counters.Malformed, _counters.Malformed + malformed);
        if (identity is not null)
        {
            Volatile.Write(ref _counters.IdentityLookups, identity.Lookups);
            if (deferred != 0) Volatile.Write(ref _counters.Deferred, _counters.Deferred + deferred);
            if (unattributed != 0) Interlocked.Add(ref _counters.Unattributed, unattributed);
        }
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
    }

    /// <summary>
    /// A packet whose headers cannot be read cannot match any rule: it gets the chain's policy, and is counted.
    /// </summary>
    private static Verdict Judge(RuleSnapshot snapshot, Chain chain, int counterSlot, ReadOnlySpan<byte> payload, PacketIdentity? identity,
        out PacketHeaders headers, out bool urgent, out bool deferred, ref long malformed)
    {
        if (!PacketHeaderParser.TryParse(payload, out headers))
        {
            malformed++;
            urgent = false;
            deferred = false;
            return snapshot.Policies[chain];
        }
        urgent = headers.Protocol == 6 && (headers.TcpFlags & (TcpFlagSyn | TcpFlagPsh)) != 0;
        return snapshot.Judge(chain, headers, counterSlot, identity, out deferred);
    }

    private const byte TcpFlagSyn = 0x02, TcpFlagPsh = 0x08;

    /// <summary>A restart keeps the bound socket (packets stay queued in the kernel meanwhile) and recreates the batcher.</summary>
    protected override void PreRestart(Exception reason, object message)
    {
        foreach (var child in Context.GetChildren()) Context.Stop(child);
    }

    protected override void PostStop()
    {
        // Children (the batcher) have stopped and flushed. Decide what arrived since the drain, then unbind.
        var socket = _socket;
        if (_batch is null) return;
        try
        {
            var sink = new SocketVerdictSink(socket, _counters);
            for (var round = 0; round < 1024; round++)
            {
                var count = socket.Receive(_batch);
                if (count == 0) break;
                var snapshot = _rules.Current;
                long accepted = 0, dropped = 0, malformed = 0;
                for (var i = 0; i < count; i++)
                {
                    // No holder lookups here: the attribution actor may be gone; identity rules do not match.
                    var verdict = Judge(snapshot, _settings.Chain, _settings.CounterSlot, _batch.Payload(i), null, out _, out _, out _, ref malformed);
                    sink.Verdict(_batch[i].PacketId, VerdictBatchPlanner.ToNf(verdict));
                    if (verdict == Verdict.Drop) dropped++;
                    else accepted++;
                }
                sink.Flush();
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
