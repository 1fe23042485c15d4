// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.NfQueue;

namespace Daf.Actors.Verdicts;

/// <summary>Where a <see cref="VerdictBatchPlanner"/> sends its verdicts: the queue's socket, or a test double.</summary>
public interface IVerdictSink
{
    /// <summary>One verdict for one packet (NFQNL_MSG_VERDICT).</summary>
    void Verdict(uint packetId, NfVerdict verdict);

    /// <summary>One verdict for every queued packet with an id up to <paramref name="maxPacketId"/> (NFQNL_MSG_VERDICT_BATCH).</summary>
    void BatchVerdict(uint maxPacketId, NfVerdict verdict);

    /// <summary>One verdict for one packet that the kernel first replaces by <paramref name="packet"/> (NFQNL_MSG_VERDICT with NFQA_PAYLOAD).</summary>
    void VerdictWithPayload(uint packetId, NfVerdict verdict, ReadOnlySpan<byte> packet);

    /// <summary>Hands the verdicts collected so far to the kernel. Called after each burst of work.</summary>
    void Flush();
}
