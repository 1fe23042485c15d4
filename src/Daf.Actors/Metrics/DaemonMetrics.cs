// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Attribution;
using Daf.Actors.Identity;
using Daf.Actors.Queue;
using Daf.Actors.Rules;

namespace Daf.Actors.Metrics;

/// <summary>
/// What the Prometheus endpoint reports: live references to the daemon's counters (each read with a volatile or
/// interlocked read when a scrape comes; nothing is copied on the packet path).
/// </summary>
public sealed record DaemonMetrics(
    IReadOnlyList<(Chain Chain, ushort Queue, QueueCounters Counters)> Queues,
    RuleSnapshotHolder Rules,
    DateTime StartedUtc)
{
    /// <summary>The digest cache of the identity reader (hits, misses, bytes and time spent hashing); null: not reported.</summary>
    public ObjectDigestCache? DigestCache { get; init; }

    /// <summary>The attribution actor's socket locator (slow-path lookups by outcome); null: not reported.</summary>
    public SocketLocator? Locator { get; init; }
}
