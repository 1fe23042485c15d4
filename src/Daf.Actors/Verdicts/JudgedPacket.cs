// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;

namespace Daf.Actors.Verdicts;

/// <summary>One packet's decision, in queue order.</summary>
public readonly record struct JudgedPacket(uint PacketId, Verdict Verdict, bool Urgent)
{
    /// <summary>Not decided yet: its verdict comes later as a <see cref="DeferredPacketJudged"/> (<see cref="Verdict"/> is meaningless).</summary>
    public bool Deferred { get; init; }

    /// <summary>Bytes of the signed packet that replaces this one (in its <see cref="PacketBatchJudged"/>); 0 when it is not replaced.</summary>
    public int SignedLength { get; init; }

    /// <summary>Where the signed packet starts in its <see cref="PacketBatchJudged"/>'s signed-packet buffer.</summary>
    public int SignedOffset { get; init; }
}
