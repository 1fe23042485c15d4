// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;

namespace Daf.Actors.DecisionLog;

/// <summary>
/// The decisions one reader recorded during one received batch, for the <see cref="DecisionLogActor"/>. Pooled
/// (<see cref="DecisionRecorder"/>): the reader fills it, the actor formats it and gives it back. Mutable,
/// like PacketBatchJudged, and never touched by the reader once sent.
/// </summary>
public sealed class DecisionBatch(int capacity, DecisionRecorder owner)
{
    public readonly DecisionRecord[] Records = new DecisionRecord[capacity];
    public int Count;
    /// <summary>The rule-set version the records were judged by (their rule numbers are that version's).</summary>
    public long RuleVersion;
    /// <summary>Lines the rate limit (or a lack of free batches) suppressed since the previous batch sent.</summary>
    public long Suppressed;

    public DecisionRecorder Owner => owner;
    public Chain Chain => owner.Chain;
    public ushort Queue => owner.Queue;

    public void Clear()
    {
        Count = 0;
        Suppressed = 0;
        RuleVersion = 0;
    }
}
