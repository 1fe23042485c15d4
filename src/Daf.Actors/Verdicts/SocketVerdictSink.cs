// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Queue;
using Daf.Interop.NfQueue;

namespace Daf.Actors.Verdicts;

/// <summary>
/// Collects a planner's verdicts, in order, and sends them on the queue's socket as one datagram per
/// <see cref="Flush"/> (or whenever the buffer fills). Counts messages and datagrams.
/// </summary>
public sealed class SocketVerdictSink(NfQueueSocket socket, QueueCounters counters) : IVerdictSink
{
    private readonly NfQueueVerdictBuffer _buffer = new(socket.Config.QueueNumber);

    public void Verdict(uint packetId, NfVerdict verdict)
    {
        if (_buffer.IsFull) Flush();
        _buffer.AddVerdict(packetId, verdict);
        Volatile.Write(ref counters.VerdictMessages, counters.VerdictMessages + 1);
    }

    public void BatchVerdict(uint maxPacketId, NfVerdict verdict)
    {
        if (_buffer.IsFull) Flush();
        _buffer.AddBatchVerdict(maxPacketId, verdict);
        Volatile.Write(ref counters.BatchVerdictMessages, counters.BatchVerdictMessages + 1);
    }

    public void VerdictWithPayload(uint packetId, NfVerdict verdict, ReadOnlySpan<byte> packet)
    {
        if (!_buffer.HasRoomFor(packet.Length)) Flush();
        _buffer.AddVerdictWithPayload(packetId, verdict, packet);
        Volatile.Write(ref counters.VerdictMessages, counters.VerdictMessages + 1);
        Volatile.Write(ref counters.PayloadVerdictMessages, counters.PayloadVerdictMessages + 1);
    }

    public void Flush()
    {
        if (_buffer.Count == 0) return;
        socket.Send(_buffer);
        Volatile.Write(ref counters.VerdictDatagrams, counters.VerdictDatagrams + 1);
    }
}
