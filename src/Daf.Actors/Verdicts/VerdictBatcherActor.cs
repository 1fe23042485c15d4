// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.Event;
using Daf.Actors.Queue;
using Daf.Interop.NfQueue;
using Daf.Interop.Time;

namespace Daf.Actors.Verdicts;

/// <summary>
/// Sends one queue's verdicts: receives <see cref="PacketBatchJudged"/> from its queue reader, plans
/// individual and batch verdicts with a <see cref="VerdictBatchPlanner"/>, and arms the queue's batch
/// timer (a timerfd the reader sleeps on) so that a partial batch is flushed on time with no polling.
/// Supervision: a child of its <see cref="QueueReaderActor"/>, restarted on any failure or kill. The planner is
/// created with the Props and shared by every incarnation, so pending runs and deferred packets survive a restart;
/// PreRestart finishes the message whose handling failed (a packet it cannot plan is dropped) and flushes.
/// </summary>
public sealed partial class VerdictBatcherActor : UntypedActor
{
    private readonly VerdictBatchPlanner _planner;
    private readonly IVerdictSink _sink;
    private readonly PacketBatchJudgedPool _pool;
    private readonly QueueSignals _signals;
    private readonly TscClock _clock;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _drained;
    /// <summary>The batch being planned and how many of its packets the planner has: what a restart must finish.</summary>
    private PacketBatchJudged? _planning;
    private int _planned;

    public VerdictBatcherActor(IVerdictSink sink, PacketBatchJudgedPool pool, QueueSignals signals, TscClock clock,
        int batchCount, int batchTimeoutMicroseconds)
        : this(sink, pool, signals, clock, new VerdictBatchPlanner(batchCount, clock.NanosecondsToTicks(batchTimeoutMicroseconds * 1000L), sink))
    {
    }

    /// <param name="planner">Survives restarts: every incarnation of the batcher plans with it.</param>
    public VerdictBatcherActor(IVerdictSink sink, PacketBatchJudgedPool pool, QueueSignals signals, TscClock clock, VerdictBatchPlanner planner)
    {
        _sink = sink;
        _pool = pool;
        _signals = signals;
        _clock = clock;
        _planner = planner;
    }

    public static Props Props(IVerdictSink sink, PacketBatchJudgedPool pool, QueueSignals signals, TscClock clock,
        int batchCount, int batchTimeoutMicroseconds) =>
        Props(sink, pool, signals, clock, new VerdictBatchPlanner(batchCount, clock.NanosecondsToTicks(batchTimeoutMicroseconds * 1000L), sink));

    // The arguments are evaluated once, so the planner is shared by every incarnation.
    public static Props Props(IVerdictSink sink, PacketBatchJudgedPool pool, QueueSignals signals, TscClock clock, VerdictBatchPlanner planner) =>
        Akka.Actor.Props.Create(() => new VerdictBatcherActor(sink, pool, signals, clock, planner))
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
        var packets = batch.Packets;
        _planning = batch;
        for (_planned = 0; _planned < packets.Length; _planned++)
        {
#if DAF_FAULT_INJECTION
            InjectedFaultPoint(_planned, packets.Length);
#endif
            ref readonly var packet = ref packets[_planned];
            if (packet.Deferred) _planner.Defer(packet.PacketId);
            else if (packet.SignedLength != 0) _planner.AddReplaced(packet.PacketId, batch.Signed(packet));
            else started |= _planner.Add(packet.PacketId, packet.Verdict, packet.Urgent, now);
        }
        _planning = null;
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
            _planner.FlushAll();
        }
        catch (Exception e)
        {
            _log.Error(e, "verdict batcher: cannot finish the failed message");
        }
        finally
        {
            try { _sink.Flush(); }
            catch (Exception e) { _log.Error(e, "verdict batcher: flush failed"); }
        }
    }

    /// <summary>Plans the packets of <paramref name="batch"/> from <paramref name="from"/> on; one the planner cannot take is dropped at once.</summary>
    private void FinishInterruptedBatch(PacketBatchJudged batch, int from)
    {
        var now = _clock.Now();
        var packets = batch.Packets;
        for (var i = from; i < packets.Length; i++)
        {
            ref readonly var packet = ref packets[i];
            try
            {
                if (packet.Deferred) _planner.Defer(packet.PacketId);
                else _planner.Add(packet.PacketId, packet.Verdict, packet.Urgent, now);
            }
            catch (Exception)
            {
                _sink.Verdict(packet.PacketId, NfVerdict.NF_DROP);
            }
        }
        _pool.Return(batch);
    }

    protected override void PostStop()
    {
        _planner.FlushAll();
        _sink.Flush();
        if (_planner.DeferredCount > 0)
            _log.Warning("verdict batcher stopped with {0} deferred packets undecided", _planner.DeferredCount);
    }
}
