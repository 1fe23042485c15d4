// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;

namespace Daf.Actors.Verdicts;

/// <summary>The queue's batch timer expired (the reader saw its timerfd readable).</summary>
public sealed class BatchTimerFired
{
    public static readonly BatchTimerFired Instance = new();
    private BatchTimerFired() { }
}

/// <summary>The reader has stopped reading and handed over its last batch: flush everything.</summary>
public sealed class QueueDrained
{
    public static readonly QueueDrained Instance = new();
    private QueueDrained() { }
}

/// <summary>The reader found its socket empty after a full batch: flush what is pending.</summary>
public sealed class QueueIdle
{
    public static readonly QueueIdle Instance = new();
    private QueueIdle() { }
}

/// <summary>The verdict of a packet that its reader handed over as deferred (<see cref="JudgedPacket.Deferred"/>).</summary>
public sealed record DeferredPacketJudged(uint PacketId, Verdict Verdict)
{
    /// <summary>On a signing queue, the signed packet that replaces an accepted one (null: not replaced).</summary>
    public byte[]? Signed { get; init; }
}
