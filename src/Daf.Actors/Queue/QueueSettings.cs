// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;
using Daf.Interop.NfQueue;

namespace Daf.Actors.Queue;

/// <summary>What one queue reader serves and how it batches.</summary>
public sealed record QueueSettings(Chain Chain, NfQueueConfig Queue, int BatchCount, int BatchTimeoutMicroseconds)
{
    /// <summary>The rule match counter slot this reader alone writes (<see cref="RuleSnapshot.Judge(Chain, in Daf.Interop.Packets.PacketHeaders, int)"/>).</summary>
    public int CounterSlot { get; init; }

    /// <summary>The decision log's recorder of this reader (used on its thread only); null: no decision log.</summary>
    public DecisionLog.DecisionRecorder? Decisions { get; init; }
}
