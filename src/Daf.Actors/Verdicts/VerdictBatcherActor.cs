// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.Event;
using Daf.Actors.Queue;
using Daf.Interop.NfQueue;
using Daf.Interop.Time;

namespace Daf.Actors.Verdicts;

/// <summary>
/// Sends one queue's verdicts when its reader cannot: it applies the <see cref="PacketBatchJudged"/> the reader handed
/// over (while an earlier hand-over is pending or the planner was busy), the decisions of deferred packets, batch timer
/// expiries (a timerfd the reader sleeps on, so that a partial batch is flushed on time with no polling), and the drain.
/// The planner is shared with the reader, which applies its own batches inline whenever it may
/// (the ownership rule: <see cref="SharedVerdictPlanner"/>).
/// Supervision: a child of its <see cref="QueueReaderActor"/>, restarted on any failure or kill. The shared planner is
/// created with the reader's Props and used by every incarnation of both, so pending runs and deferred packets survive
/// a restart; PreRestart finishes the message whose handling failed (a packet it cannot plan is dropped) and flushes.
/// </summary>
public sealed partial class VerdictBatcherActor : UntypedActor
{
    private readonly SharedVerdictPlanner _shared;
    private readonly PacketBatchJudgedPool _pool;
    private readonly QueueSignals _signals;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _drained;
    /// <summary>The batch being planned and how many of its packets the planner has: what a restart must finish.</summary>
    private PacketBatchJudged? _planning;
    private int _planned;

    /// <param name="shared">Survives restarts: every incarnation of the batcher (and of its reader) plans with it.</param>
    public VerdictBatcherActor(SharedVerdictPlanner shared, PacketBatchJudgedPool pool, QueueSignals signals)
    {
        _shared = shared;
        _pool = pool;
        _signals = signals;
    }

    // The arguments are evaluated once, so the planner is shared by every incarnation.
    public static Props Props(SharedVerdictPlanner shared, PacketBatchJudgedPool pool, QueueSignals signals) =>
        Akka.Actor.Props.Create(() => new VerdictBatcherActor(shared, pool, signals))
            .WithDispatcher(DafDispatchers.Batcher);

    /// <summary>A batcher with a planner of its own (no reader applies inline), kept across its restarts.</summary>
    public static Props Props(IVerdictSink sink, PacketBatchJudgedPool pool, QueueSignals signals, TscClock clock,
        int batchCount, int batchTimeoutMicroseconds) =>
        Props(new SharedVerdictPlanner(sink, signals, clock, batchCount, batchTimeoutMicroseconds), pool, signals);

    protected override void OnReceive(object message)
    {
        if (message is PacketBatchJudged batch)
        {
            OnBatch(batch);
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
                    planner.Decide(decided.PacketId, decided.Verdict, decided.Signed);
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

    /// <summary>A batch the reader handed over: planned in queue order, then the reader may apply inline again.</summary>
    private void OnBatch(PacketBatchJudged batch)
    {
        using (_shared.Enter())
        {
            var now = _shared.Now();
            var started = false;
            var packets = batch.Packets;
            _planning = batch;
            for (_planned = 0; _planned < packets.Length; _planned++)
            {
#if DAF_FAULT_INJECTION
                InjectedFaultPoint(_planned, packets.Length);
#endif
                started |= _shared.Plan(batch, packets[_planned], now);
            }
            _planning = null;
            _shared.EndBatch(batch, started);
            _shared.Sink.Flush();
            _shared.HandedOverApplied();
        }
        _pool.Return(batch);
    }

    protected override void PreRestart(Exception reason, object message)
    {
        _log.Error(reason, "verdict batcher failed; restarting with its planner");
        try
        {
            if (_planning is { } batch)
            {
                _planning = null;
                FinishInterruptedBatch(batch, _planned);
            }
            else if (message is PacketBatchJudged unplanned)
            {
                FinishInterruptedBatch(unplanned, 0);
            }
            else if (message is DeferredPacketJudged or QueueDrained or QueueIdle or BatchTimerFired)
            {
                OnReceive(message);
            }
            using (_shared.Enter()) _shared.Planner.FlushAll();
        }
        catch (Exception e)
        {
            _log.Error(e, "verdict batcher: cannot finish the failed message");
        }
        finally
        {
            try
            {
                using (_shared.Enter()) _shared.Sink.Flush();
            }
            catch (Exception e)
            {
                _log.Error(e, "verdict batcher: flush failed");
            }
        }
    }

    /// <summary>
    /// Plans the packets of a handed-over <paramref name="batch"/> from <paramref name="from"/> on (one the planner cannot
    /// take is dropped at once) and counts the batch as applied, so that the reader applies inline again.
    /// </summary>
    private void FinishInterruptedBatch(PacketBatchJudged batch, int from)
    {
        using (_shared.Enter())
        {
            try
            {
                var now = _shared.Now();
                var packets = batch.Packets;
                for (var i = from; i < packets.Length; i++)
                {
                    ref readonly var packet = ref packets[i];
                    try
                    {
                        _shared.Plan(batch, packet, now);
                    }
                    catch (Exception)
                    {
                        _shared.Sink.Verdict(packet.PacketId, NfVerdict.NF_DROP);
                    }
                }
            }
            finally
            {
                _shared.HandedOverApplied();
            }
        }
        _pool.Return(batch);
    }

    protected override void PostStop()
    {
        try
        {
            using (_shared.Enter())
            {
                _shared.Planner.FlushAll();
                _shared.Sink.Flush();
                if (_shared.Planner.DeferredCount > 0)
                    _log.Warning("verdict batcher stopped with {0} deferred packets undecided", _shared.Planner.DeferredCount);
            }
        }
        finally
        {
            // The reader watches this actor but takes its mailbox only between polls: wake it to see the Terminated.
            try { _signals.Wake.Signal(); }
            catch (Daf.Interop.Posix.PosixException) { } // closed already: the daemon is exiting
        }
    }
}
