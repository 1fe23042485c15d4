// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.Event;
using Daf.Actors.Queue;
using Daf.Interop.Time;

namespace Daf.Actors.Verdicts;

/// <summary>
/// Sends one queue's verdicts when its reader cannot: it applies the <see cref="PacketBatchJudged"/> the reader handed
/// over (while an earlier hand-over is pending or the planner was busy), the decisions of deferred packets, batch timer
/// expiries (a timerfd the reader sleeps on, so that a partial batch is flushed on time with no polling), and the drain.
/// The planner is shared with the reader, which applies its own batches inline whenever it may
/// (the ownership rule: <see cref="SharedVerdictPlanner"/>).
/// Supervision: a child of its <see cref="QueueReaderActor"/>; it shares the reader's socket, so any
/// failure escalates to the reader, which is restarted with a fresh socket and a fresh batcher.
/// </summary>
public sealed class VerdictBatcherActor : UntypedActor
{
    private readonly SharedVerdictPlanner _shared;
    private readonly PacketBatchJudgedPool _pool;
    private readonly QueueSignals _signals;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _drained;

    public VerdictBatcherActor(SharedVerdictPlanner shared, PacketBatchJudgedPool pool, QueueSignals signals)
    {
        _shared = shared;
        _pool = pool;
        _signals = signals;
    }

    public VerdictBatcherActor(IVerdictSink sink, PacketBatchJudgedPool pool, QueueSignals signals, TscClock clock,
        int batchCount, int batchTimeoutMicroseconds)
        : this(new SharedVerdictPlanner(sink, signals, clock, batchCount, batchTimeoutMicroseconds), pool, signals)
    {
    }

    public static Props Props(SharedVerdictPlanner shared, PacketBatchJudgedPool pool, QueueSignals signals) =>
        Akka.Actor.Props.Create(() => new VerdictBatcherActor(shared, pool, signals))
            .WithDispatcher(DafDispatchers.Batcher);

    public static Props Props(IVerdictSink sink, PacketBatchJudgedPool pool, QueueSignals signals, TscClock clock,
        int batchCount, int batchTimeoutMicroseconds) =>
        Akka.Actor.Props.Create(() => new VerdictBatcherActor(sink, pool, signals, clock, batchCount, batchTimeoutMicroseconds))
            .WithDispatcher(DafDispatchers.Batcher);

    protected override void OnReceive(object message)
    {
        if (message is PacketBatchJudged batch)
        {
            _shared.ApplyHandedOver(batch);
            _pool.Return(batch);
            return;
        }
        using (_shared.Enter())
        {
            var planner = _shared.Planner;
            switch (message)
            {
                case BatchTimerFired:
                    _shared.OnTimer();
                    break;
                case QueueIdle:
                    planner.FlushAll();
                    break;
                case DeferredPacketJudged decided:
                    planner.Decide(decided.PacketId, decided.Verdict);
                    if (_drained && planner.DeferredCount == 0) _signals.MarkDrained();
                    break;
                case QueueDrained:
                    planner.FlushAll();
                    _shared.Sink.Flush();
                    // Deferred packets are decided within the attribution bound; the reader unbinds once they are.
                    _drained = true;
                    if (planner.DeferredCount == 0) _signals.MarkDrained();
                    break;
                default:
                    Unhandled(message);
                    return;
            }
            _shared.Sink.Flush();
        }
    }

    protected override void PostStop()
    {
        using (_shared.Enter())
        {
            _shared.Planner.FlushAll();
            _shared.Sink.Flush();
            if (_shared.Planner.DeferredCount > 0)
                _log.Warning("verdict batcher stopped with {0} deferred packets undecided", _shared.Planner.DeferredCount);
        }
    }
}
