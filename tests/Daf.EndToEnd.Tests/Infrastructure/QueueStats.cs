// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Infrastructure;

/// <summary>One queue's counters in stats.json.</summary>
public sealed record QueueStats
{
    public int Queue { get; init; }
    public string Chain { get; init; } = "";
    public long Received { get; init; }
    public long Accepted { get; init; }
    public long Dropped { get; init; }
    public long Enobufs { get; init; }
    public long VerdictMessages { get; init; }
    public long BatchVerdictMessages { get; init; }
    public long PayloadVerdictMessages { get; init; }
    public long Signed { get; init; }
    public long SignedWithoutApp { get; init; }
    public long SignFailed { get; init; }
    public long Verified { get; init; }
    public long Unsigned { get; init; }
    public long Forged { get; init; }
    public long Replayed { get; init; }

    /// <summary>Every packet read has been given a verdict.</summary>
    public bool AllDecided => Received == Accepted + Dropped;
}
