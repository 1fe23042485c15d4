// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Tracking;

/// <summary>A batch of decoded events, in ring order, for <see cref="SocketHolderTrackerActor"/> from a source other than the eBPF reader's subscription (tests, replays).</summary>
public sealed record ApplyTrackingEvents(IReadOnlyList<TrackingEvent> Events);

/// <summary>
/// A packet needed socket <paramref name="Inode"/> and the table has no holder for it (io_uring, lost events):
/// the tracker walks /proc for it, coalescing requests and at most <see cref="TrackingOptions.FallbackScansPerSecond"/>
/// times a second. Tell, never ask: the packet is judged without waiting.
/// </summary>
public sealed record FindSocketHolders(ulong Inode);

/// <summary>Asks the tracker for <see cref="HolderTrackerStats"/>.</summary>
public sealed record GetHolderTrackerStats
{
    public static readonly GetHolderTrackerStats Instance = new();
}

/// <param name="FullScans">Walks of every /proc/PID/fd (start, restart, lost events, fallback).</param>
/// <param name="FallbackScans">Those of <paramref name="FullScans"/> made for <see cref="FindSocketHolders"/>.</param>
/// <param name="FallbackRequests">FindSocketHolders received.</param>
/// <param name="DescriptorRereads">Targeted re-reads of one process's descriptor table.</param>
/// <param name="LastFullScan">Duration of the last full walk.</param>
public sealed record HolderTrackerStats(
    int Sockets,
    int Holders,
    int Scanners,
    long EventsApplied,
    long EventsSkipped,
    long FullScans,
    long FallbackScans,
    long FallbackRequests,
    long DescriptorRereads,
    TimeSpan LastFullScan);
