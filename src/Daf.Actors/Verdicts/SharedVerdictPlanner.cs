// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Queue;
using Daf.Interop.Time;

namespace Daf.Actors.Verdicts;

/// <summary>
/// One queue's <see cref="VerdictBatchPlanner"/> and verdict sink, shared by the queue's reader and its
/// <see cref="VerdictBatcherActor"/> under one ownership rule: whoever holds the lock drives the planner, and
/// batches reach it in queue order.
/// <list type="bullet">
/// <item>The reader applies its own batch on its thread (<see cref="TryApplyInline"/>) when no batch it handed over
/// is still waiting at the batcher and the batcher is not using the planner at that moment: the common case, with no
/// message, no thread wake-up and no second thread per batch.</item>
/// <item>Otherwise it hands the batch over (<see cref="HandingOver"/>, then a message to the batcher), and keeps
/// handing over until the batcher has applied every batch it was given, so no verdict overtakes an earlier one.</item>
/// <item>The batcher actor owns everything that does not come from the reader's loop: deferred packets' decisions,
/// batch timer expiries, the drain at shutdown and the final flush.</item>
/// </list>
/// The lock is taken once per batch (uncontended: tens of nanoseconds); the reader never waits for it.
/// Created once with the reader's Props, it outlives every restart of the reader and of the batcher: runs, deferred
/// packets and the count of batches handed over survive (a batcher that fails mid-batch counts the batch it finishes).
/// </summary>
public sealed class SharedVerdictPlanner
{
    private readonly Lock _lock = new();
    private readonly VerdictBatchPlanner _planner;
    private readonly IVerdictSink _sink;
    private readonly QueueSignals? _signals;
    private readonly TscClock _clock;
    private int _handedOver;

    /// <param name="signals">Whose batch timer is armed for a pending run; null: no timer (tests, or a timeout nobody waits for).</param>
    public SharedVerdictPlanner(IVerdictSink sink, QueueSignals? signals, TscClock clock, int batchCount, int batchTimeoutMicroseconds)
    {
        _sink = sink;
        _signals = signals;
        _clock = clock;
        _planner = new VerdictBatchPlanner(batchCount, clock.NanosecondsToTicks(batchTimeoutMicroseconds * 1000L), sink);
    }

    /// <summary>Batches handed to the batcher and not applied yet.</summary>
    public int HandedOver => Volatile.Read(ref _handedOver);

    /// <summary>Packets held back for slow work and not decided yet (read it while holding <see cref="Enter"/>).</summary>
    public int DeferredCount => _planner.DeferredCount;

    /// <summary>
    /// Reader: applies <paramref name="batch"/> and sends its verdicts on the calling thread, unless a handed-over batch
    /// is still pending or the batcher holds the planner; false: nothing was done, hand the batch over.
    /// </summary>
    public bool TryApplyInline(PacketBatchJudged batch)
    {
#if DAF_FAULT_INJECTION
        if (_handOverNext)
        {
            _handOverNext = false;
            return false;
        }
#endif
        if (Volatile.Read(ref _handedOver) != 0 || !_lock.TryEnter()) return false;
        try
        {
            // Re-read under the lock: the batcher decrements only while holding it, after applying.
            if (Volatile.Read(ref _handedOver) != 0) return false;
            Apply(batch);
            _sink.Flush();
            return true;
        }
        finally
        {
            _lock.Exit();
        }
    }

    /// <summary>Reader: the socket ran empty after a full batch; flushes on the calling thread when it may (see <see cref="TryApplyInline"/>).</summary>
    public bool TryFlushAllInline()
    {
        if (Volatile.Read(ref _handedOver) != 0 || !_lock.TryEnter()) return false;
        try
        {
            if (Volatile.Read(ref _handedOver) != 0) return false;
            _planner.FlushAll();
            _sink.Flush();
            return true;
        }
        finally
        {
            _lock.Exit();
        }
    }

    /// <summary>Reader: called before it sends a batch to the batcher; later batches go the same way until that one is applied.</summary>
    public void HandingOver() => Interlocked.Increment(ref _handedOver);

    /// <summary>Batcher: applies a handed-over batch and sends its verdicts.</summary>
    public void ApplyHandedOver(PacketBatchJudged batch)
    {
        using (_lock.EnterScope())
        {
            Apply(batch);
            _sink.Flush();
            HandedOverApplied();
        }
    }

    /// <summary>
    /// Batcher, holding <see cref="Enter"/>: a handed-over batch is applied (also one finished after a restart); once
    /// every one is, the reader applies inline again.
    /// </summary>
    public void HandedOverApplied()
    {
        int handedOver;
        do
        {
            handedOver = Volatile.Read(ref _handedOver);
            if (handedOver == 0) return; // counted by a batcher that was replaced, or sent by no reader (tests)
        } while (Interlocked.CompareExchange(ref _handedOver, handedOver - 1, handedOver) != handedOver);
    }

#if DAF_FAULT_INJECTION
    private volatile bool _handOverNext;

    /// <summary>Test builds only: the reader hands its next batch to the batcher, so that a fault injected into the batcher's batch planning meets a batch.</summary>
    public void HandOverNext() => _handOverNext = true;
#endif

    /// <summary>
    /// Reader: a new batcher replaces one whose mailbox was discarded (the reader restarted and stopped its child): the
    /// batches handed to the old one will never be applied, so the reader must not wait for them before applying inline.
    /// </summary>
    public void BatcherReplaced()
    {
        using (_lock.EnterScope()) Volatile.Write(ref _handedOver, 0);
    }

    /// <summary>Batcher: holds the planner for the rest of a message (decisions, timer, drain).</summary>
    public Lock.Scope Enter() => _lock.EnterScope();

    /// <summary>The planner itself, for the batcher while it holds <see cref="Enter"/>.</summary>
    public VerdictBatchPlanner Planner => _planner;

    public IVerdictSink Sink => _sink;

    /// <summary>Batcher, holding <see cref="Enter"/>: the batch timer expired; flushes a run whose deadline passed and re-arms for the next.</summary>
    public void OnTimer()
    {
        if (_planner.OnTimer(_clock.Now())) ArmTimer();
    }

    private void Apply(PacketBatchJudged batch)
    {
        var now = Now();
        var started = false;
        foreach (ref readonly var packet in batch.Packets)
            started |= Plan(batch, packet, now);
        EndBatch(batch, started);
    }

    /// <summary>The time <see cref="Plan"/> takes as now for one batch.</summary>
    public long Now() => _clock.Now();

    /// <summary>
    /// Whoever holds the planner: gives it the next packet of <paramref name="batch"/> (held back when deferred; a signed
    /// packet is accepted with its signed payload); true when it started a pending run (<see cref="EndBatch"/> arms the timer).
    /// </summary>
    public bool Plan(PacketBatchJudged batch, in JudgedPacket packet, long now)
    {
        if (packet.Deferred) _planner.Defer(packet.PacketId);
        else if (packet.SignedLength != 0) _planner.AddReplaced(packet.PacketId, batch.Signed(packet));
        else return _planner.Add(packet.PacketId, packet.Verdict, packet.Urgent, now);
        return false;
    }

    /// <summary>Whoever holds the planner, after the last packet of a batch: flushes at the end of a burst, else arms the timer for a run it started.</summary>
    public void EndBatch(PacketBatchJudged batch, bool started)
    {
        if (batch.EndOfBurst) _planner.FlushAll();
        else if (started && _planner.HasPending) ArmTimer();
    }

    private void ArmTimer()
    {
        if (_signals is null) return;
        var remaining = _clock.TicksToNanoseconds(_planner.Deadline - _clock.Now());
        _signals.BatchTimer.ArmRelative(Math.Max(1, remaining));
    }
}
