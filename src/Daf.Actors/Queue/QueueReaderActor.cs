// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.Event;
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
/// against the current rule snapshot and hands the decisions to its <see cref="VerdictBatcherActor"/>.
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
    private IActorRef _batcher = ActorRefs.Nobody;
    private bool _finished;

    public QueueReaderActor(QueueSettings settings, NfQueueSocket socket, RuleSnapshotHolder rules, QueueSignals signals, QueueCounters counters, TscClock clock)
    {
        _settings = settings;
        _socket = socket;
        _rules = rules;
        _signals = signals;
        _counters = counters;
        _clock = clock;
    }

    /// <param name="socket">The bound queue. The host binds it before the actors start so that a refusal stops app-fw with the errno; the reader owns it from then on and unbinds it when it stops.</param>
    public static Props Props(QueueSettings settings, NfQueueSocket socket, RuleSnapshotHolder rules, QueueSignals signals, QueueCounters counters, TscClock clock) =>
        Akka.Actor.Props.Create(() => new QueueReaderActor(settings, socket, rules, signals, counters, clock))
            .WithDispatcher(DafDispatchers.QueueReader);

    protected override void PreStart()
    {
        var config = _settings.Queue;
        _batch = new NfQueuePacketBatch(config.BatchDepth, (int)Math.Min(config.CopyRange, 0xFFFF) + 512);
        _pool = new PacketBatchJudgedPool(config.BatchDepth);
        _fds[SocketSlot] = _socket.FileDescriptor;
        _fds[WakeSlot] = _signals.Wake.FileDescriptor;
        _fds[TimerSlot] = _signals.BatchTimer.FileDescriptor;
        _batcher = Context.ActorOf(
            VerdictBatcherActor.Props(new SocketVerdictSink(_socket, _counters), _pool, _signals, _clock,
                _settings.BatchCount, _settings.BatchTimeoutMicroseconds),
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

    /// <returns>True when the socket had no more packets.</returns>
    private bool ReceiveAndJudge(int rounds)
    {
        var socket = _socket;
        var batch = _batch!;
        var lastWasEndOfBurst = false;
        for (var round = 0; round < rounds; round++)
        {
            var count = socket.Receive(batch);
            Volatile.Write(ref _counters.Enobufs, socket.EnobufsCount);
            if (count == 0)
            {
                if (round > 0 && !lastWasEndOfBurst) _batcher.Tell(QueueIdle.Instance);
                return true;
            }
            var judged = _pool!.Rent();
            JudgeBatch(batch, count, judged);
            // recvmmsg returns fewer messages than asked only when the socket ran empty.
            judged.EndOfBurst = lastWasEndOfBurst = count < batch.Capacity;
            _batcher.Tell(judged);
        }
        return false;
    }

    private void JudgeBatch(NfQueuePacketBatch batch, int count, PacketBatchJudged judged)
    {
        var snapshot = _rules.Current;
        var chain = _settings.Chain;
        long accepted = 0, dropped = 0, malformed = 0;
        for (var i = 0; i < count; i++)
        {
            ref readonly var packet = ref batch[i];
            var verdict = Judge(snapshot, chain, _settings.CounterSlot, batch.Payload(i), out var urgent, ref malformed);
            if (verdict == Verdict.Accept) accepted++;
            else dropped++;
            judged.Add(new JudgedPacket(packet.PacketId, verdict, urgent));
        }
        Volatile.Write(ref _counters.Received, _counters.Received + count);
        Volatile.Write(ref _counters.Accepted, _counters.Accepted + accepted);
        Volatile.Write(ref _counters.Dropped, _counters.Dropped + dropped);
        if (malformed != 0) Volatile.Write(ref _counters.Malformed, _counters.Malformed + malformed);
    }

    /// <summary>
    /// A packet whose headers cannot be read cannot match any rule: it gets the chain's policy, and is counted.
    /// </summary>
    private static Verdict Judge(RuleSnapshot snapshot, Chain chain, int counterSlot, ReadOnlySpan<byte> payload, out bool urgent, ref long malformed)
    {
        if (!PacketHeaderParser.TryParse(payload, out var headers))
        {
            malformed++;
            urgent = false;
            return snapshot.Policies[chain];
        }
        urgent = headers.Protocol == 6 && (headers.TcpFlags & (TcpFlagSyn | TcpFlagPsh)) != 0;
        return snapshot.Judge(chain, headers, counterSlot);
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
            var batch = _batch!;
            var snapshot = _rules.Current;
            long ignored = 0;
            for (var round = 0; round < 1024; round++)
            {
                var count = socket.Receive(batch);
                if (count == 0) break;
                for (var i = 0; i < count; i++)
                {
                    var verdict = Judge(snapshot, _settings.Chain, _settings.CounterSlot, batch.Payload(i), out _, ref ignored);
                    socket.SetVerdict(batch[i].PacketId, verdict == Verdict.Drop ? NfVerdict.NF_DROP : NfVerdict.NF_ACCEPT);
                    Volatile.Write(ref _counters.Received, _counters.Received + 1);
                    if (verdict == Verdict.Drop) Volatile.Write(ref _counters.Dropped, _counters.Dropped + 1);
                    else Volatile.Write(ref _counters.Accepted, _counters.Accepted + 1);
                    Volatile.Write(ref _counters.VerdictMessages, _counters.VerdictMessages + 1);
                }
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
