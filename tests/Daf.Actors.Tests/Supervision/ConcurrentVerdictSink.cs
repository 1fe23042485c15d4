// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Verdicts;
using Daf.Interop.NfQueue;

namespace Daf.Actors.Tests.Supervision;

/// <summary>
/// Applies verdicts as the kernel would (a batch verdict decides every queued id up to its id) from any thread, and
/// records, instead of throwing in the actor, a verdict for a packet not queued or already decided.
/// </summary>
internal sealed class ConcurrentVerdictSink : IVerdictSink
{
    private readonly object _lock = new();
    private readonly SortedSet<uint> _queued = [];
    private readonly Dictionary<uint, NfVerdict> _decided = [];
    private readonly List<string> _violations = [];

    public void Enqueue(IEnumerable<uint> ids)
    {
        lock (_lock) foreach (var id in ids) _queued.Add(id);
    }

    public IReadOnlyDictionary<uint, NfVerdict> Decided
    {
        get { lock (_lock) return new Dictionary<uint, NfVerdict>(_decided); }
    }

    public IReadOnlyList<string> Violations
    {
        get { lock (_lock) return [.. _violations]; }
    }

    public void Verdict(uint packetId, NfVerdict verdict)
    {
        lock (_lock) Decide(packetId, verdict);
    }

    public void VerdictWithPayload(uint packetId, NfVerdict verdict, ReadOnlySpan<byte> packet)
    {
        lock (_lock) Decide(packetId, verdict);
    }

    public void BatchVerdict(uint maxPacketId, NfVerdict verdict)
    {
        lock (_lock)
        {
            foreach (var id in _queued.Where(i => i <= maxPacketId).ToList()) Decide(id, verdict);
        }
    }

    public void Flush()
    {
    }

    private void Decide(uint id, NfVerdict verdict)
    {
        if (!_queued.Remove(id)) _violations.Add($"packet {id} decided twice or never queued");
        else _decided[id] = verdict;
    }
}
