// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;
using Daf.Interop.NfQueue;

namespace Daf.Actors.Verdicts;

/// <summary>
/// Decides when decided packets are told to the kernel, and whether as one batch verdict or one by one.
/// A batch verdict for id N decides every packet of the queue with an id up to N, so a run is only ever
/// flushed as a batch when every packet it covers was decided with the same verdict; packets held back
/// for slow work (<see cref="Defer"/>) make everything after them go out one by one until they are decided.
/// A run is flushed when it reaches <c>maxBatch</c> packets, when its verdict would change, on a TCP SYN
/// or PSH (as the original DAF did), at the deadline, or on <see cref="FlushAll"/>.
/// Pure logic: no clock, no I/O except through the sink. Not thread-safe: one owner.
/// </summary>
public sealed class VerdictBatchPlanner
{
    private readonly int _maxBatch;
    private readonly long _timeoutTicks;
    private readonly IVerdictSink _sink;
    private readonly SortedSet<uint> _deferred = [];
    /// <summary>Decisions that arrived before their packet was deferred (they travel by another actor).</summary>
    private readonly Dictionary<uint, Verdict> _early = [];
    private readonly Dictionary<uint, byte[]> _earlyReplacements = [];

    private bool _pending;
    private uint _runLastId;
    private int _runCount;
    private Verdict _runVerdict;
    private long _runDeadline;

    public VerdictBatchPlanner(int maxBatch, long timeoutTicks, IVerdictSink sink)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeoutTicks, 0);
        _maxBatch = maxBatch;
        _timeoutTicks = timeoutTicks;
        _sink = sink;
    }

    /// <summary>True while decided packets wait for their verdict to be sent.</summary>
    public bool HasPending => _pending;

    /// <summary>When the pending run must be flushed (ticks), valid while <see cref="HasPending"/>.</summary>
    public long Deadline => _runDeadline;

    /// <summary>Packets held back for slow work and not decided yet.</summary>
    public int DeferredCount => _deferred.Count;

    /// <summary>
    /// Records the decision for the next packet of the queue, in queue order.
    /// Returns true when this decision started a new pending run (the caller arms its timer for <see cref="Deadline"/>).
    /// </summary>
    public bool Add(uint packetId, Verdict verdict, bool urgent, long nowTicks)
    {
        if (_maxBatch == 1 || _deferred.Count > 0)
        {
            // A batch verdict would also cover the deferred packets: until they are decided, one by one.
            Flush();
            _sink.Verdict(packetId, ToNf(verdict));
            return false;
        }

        if (_pending && verdict != _runVerdict) Flush();

        var started = false;
        if (!_pending)
        {
            _pending = true;
            _runVerdict = verdict;
            _runCount = 0;
            _runDeadline = nowTicks + _timeoutTicks;
            started = true;
        }
        _runLastId = packetId;
        _runCount++;

        if (_runCount >= _maxBatch || urgent)
        {
            Flush();
            return false;
        }
        return started;
    }

    /// <summary>
    /// Accepts a packet replaced by <paramref name="packet"/> (signed): always its own verdict message, after the
    /// pending run (a batch verdict cannot carry a payload), in queue order.
    /// </summary>
    public void AddReplaced(uint packetId, ReadOnlySpan<byte> packet)
    {
        Flush();
        _sink.VerdictWithPayload(packetId, NfVerdict.NF_ACCEPT, packet);
    }

    /// <summary>The verdict of a deferred packet, replacing it by <paramref name="packet"/> when accepted (see <see cref="Decide"/>).</summary>
    public void Decide(uint packetId, Verdict verdict, byte[]? packet)
    {
        if (packet is null || verdict != Verdict.Accept)
        {
            Decide(packetId, verdict);
            return;
        }
        if (_deferred.Remove(packetId)) _sink.VerdictWithPayload(packetId, NfVerdict.NF_ACCEPT, packet);
        else _earlyReplacements.TryAdd(packetId, packet);
    }

    /// <summary>Holds a packet back: its verdict comes later through <see cref="Decide"/>.</summary>
    public void Defer(uint packetId)
    {
        Flush();
        if (_earlyReplacements.Remove(packetId, out byte[]? replacement))
            _sink.VerdictWithPayload(packetId, NfVerdict.NF_ACCEPT, replacement);
        else if (_early.Remove(packetId, out Verdict early))
            _sink.Verdict(packetId, ToNf(early));
        else
            _deferred.Add(packetId);
    }

    /// <summary>
    /// The verdict for a packet that was deferred; sent at once. A decision for a packet not deferred yet is kept
    /// until <see cref="Defer"/> names it, so that every deferred packet gets exactly one verdict whatever the order.
    /// </summary>
    public void Decide(uint packetId, Verdict verdict)
    {
        if (_deferred.Remove(packetId)) _sink.Verdict(packetId, ToNf(verdict));
        else _early.TryAdd(packetId, verdict);
    }

    /// <summary>Flushes the pending run when its deadline has passed; returns true when something is still pending.</summary>
    public bool OnTimer(long nowTicks)
    {
        if (_pending && nowTicks - _runDeadline >= 0) Flush();
        return _pending;
    }

    /// <summary>Sends every pending verdict now.</summary>
    public void FlushAll() => Flush();

    private void Flush()
    {
        if (!_pending) return;
        _pending = false;
        if (_runCount == 1) _sink.Verdict(_runLastId, ToNf(_runVerdict));
        else _sink.BatchVerdict(_runLastId, ToNf(_runVerdict));
        _runCount = 0;
    }

    internal static NfVerdict ToNf(Verdict verdict) => verdict == Verdict.Drop ? NfVerdict.NF_DROP : NfVerdict.NF_ACCEPT;
}
