// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Queue;
using Daf.Interop.NfQueue;

namespace Daf.Actors.Verdicts;

/// <summary>Sends a planner's verdicts on the queue's netlink socket and counts the messages.</summary>
public sealed class SocketVerdictSink(NfQueueSocket socket, QueueCounters counters) : IVerdictSink
{
    public void Verdict(uint packetId, NfVerdict verdict)
    {
        socket.SetVerdict(packetId, verdict);
        Volatile.Write(ref counters.VerdictMessages, counters.VerdictMessages + 1);
    }

    public void BatchVerdict(uint maxPacketId, NfVerdict verdict)
    {
        socket.SetVerdictBatch(maxPacketId, verdict);
        Volatile.Write(ref counters.BatchVerdictMessages, counters.BatchVerdictMessages + 1);
    }
}
