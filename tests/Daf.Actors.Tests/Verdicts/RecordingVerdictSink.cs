// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Verdicts;
using Daf.Interop.NfQueue;

namespace Daf.Actors.Tests.Verdicts;

/// <summary>Records verdicts as the kernel would apply them: a batch verdict decides every undecided id up to its id.</summary>
internal sealed class RecordingVerdictSink : IVerdictSink
{
    public List<string> Messages { get; } = [];
    private readonly SortedSet<uint> _queued = [];
    public Dictionary<uint, NfVerdict> Decided { get; } = [];

    public void Enqueue(uint id) => _queued.Add(id);

    public void Verdict(uint packetId, NfVerdict verdict)
    {
        Messages.Add($"V {packetId} {verdict}");
        Decide(packetId, verdict);
    }

    public void BatchVerdict(uint maxPacketId, NfVerdict verdict)
    {
        Messages.Add($"B {maxPacketId} {verdict}");
        foreach (var id in _queued.Where(i => i <= maxPacketId).ToList()) Decide(id, verdict);
    }

    public void VerdictWithPayload(uint packetId, NfVerdict verdict, ReadOnlySpan<byte> packet)
    {
        Messages.Add($"P {packetId} {verdict} {Convert.ToHexString(packet)}");
        Decide(packetId, verdict);
    }

    public void Flush() => Messages.Add("F");

    private void Decide(uint id, NfVerdict verdict)
    {
        Assert.True(_queued.Remove(id), $"packet {id} decided twice or never queued");
        Decided[id] = verdict;
    }
}
