// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.Event;
using Daf.Actors.Queue;
using Daf.Interop.Time;

namespace Daf.Actors.Verdicts;

/// <summary>
/// Sends one queue's verdicts: receives <see cref="PacketBatchJudged"/> from its queue reader, plans
/// individual and batch verdicts with a <see cref="VerdictBatchPlanner"/>, and arms the queue's batch
/// timer (a timerfd the reader sleeps on) so that a partial batch is flushed on time with no polling.
/// Supervision: a child of its <see cref="QueueReaderActor"/>; it shares the reader's socket, so any
/// failure escalates to the reader, which is restarted with a fresh socket and a fresh batcher.
/// </summary>
public sealed class VerdictBatcherActor : UntypedActor
{
    private readonly VerdictBatchPlanner _planner;
    private readonly IVerdictSink _sink;
    private readonly PacketBatchJudgedPool _pool;
    private readonly QueueSignals _signals;
    private readonly TscClock _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _drained;

    public VerdictBatcherActor(IVerdictSink sink, PacketBatchJudgedPool pool, QueueSignals signals, TscClock clock,
        int batchCount, int batchTimeoutMicroseconds)
    {
        _sink = sink;
        _pool = pool;
        _signals = signals;
        _clock = clock;
        _planner = new VerdictBatchPlanner(batchCount, clock.NanosecondsToTicks(batchTimeoutMicroseconds * 1000L), sink);
    }

    public static Props Props(IVerdictSink sink, PacketBatchJudgedPool pool, QueueSignals signals, TscClock clock,
        int batchCount, int batchTimeoutMicroseconds) =>
        Akka.Actor.Props.Create(() => new VerdictBatcherActor(sink, pool, signals, clock, batchCount, batchTimeoutMicroseconds))
            .WithDispatcher(DafDispatchers.Batcher);

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case PacketBatchJudged batch:
                OnBatch(batch);
                break;
            case BatchTimerFired:
                if (_planner.OnTimer(_clock.Now())) ArmTimer();
                break;
            case QueueIdle:
                _planner.FlushAll();
                break;
            case DeferredPacketJudged decided:
                _planner.Decide(decided.PacketId, decided.Verdict, decided.Signed);
                if (_drained && _planner.DeferredCount == 0) _signals.MarkDrained();
                break;
            case QueueDrained:
                _planner.FlushAll();
                _sink.Flush();
                // Deferred packets are decided within the attribution bound; the reader unbinds once they are.
                _drained = true;
                if (_planner.DeferredCount == 0) _signals.MarkDrained();
                break;
            default:
                Unhandled(message);
                return;
        }
        _sink.Flush();
    }

    private void OnBatch(PacketBatchJudged batch)
    {
        var now = _clock.Now();
        var started = false;
        foreach (ref readonly var packet in batch.Packets)
        {
            if (packet.Deferred) _planner.Defer(packet.PacketId);
            else if (packet.SignedLength != 0) _planner.AddReplaced(packet.PacketId, batch.Signed(packet));
            else started |= _planner.Add(packet.PacketId, packet.Verdict, packet.Urgent, now);
        }
        var endOfBurst = batch.EndOfBurst;
        _pool.Return(batch);
        if (endOfBurst) _planner.FlushAll();
        else if (started && _planner.HasPending) ArmTimer();
    }

    private void ArmTimer()
    {
        var remaining = _clock.TicksToNanoseconds(_planner.Deadline - _clock.Now());
        _signals.BatchTimer.ArmRelative(Math.Max(1, remaining));
    }

    protected override void PostStop()
    {
        _planner.FlushAll();
        _sink.Flush();
        if (_planner.DeferredCount > 0)
            _log.Warning("verdict batcher stopped with {0} deferred packets undecided", _planner.DeferredCount);
    }
}
