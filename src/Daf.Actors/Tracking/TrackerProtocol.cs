// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Tracking;

/// <summary>Asks the eBPF event reader for its counters.</summary>
public sealed record GetTrackerStats
{
    public static readonly GetTrackerStats Instance = new();
}

/// <summary>
/// What the eBPF event reader has seen. <paramref name="Loaded"/> is false when the object could not be loaded
/// (<paramref name="LoadError"/> says why) and the reader is idle. <paramref name="OtherKinds"/> counts kinds this
/// version does not know. <paramref name="KernelDropped"/> counts events the
/// probe could not queue because the ring buffer was full (null when the object has no `dropped` map).
/// </summary>
public sealed record TrackerStats(
    bool Loaded,
    string? LoadError,
    IReadOnlyList<string> Programs,
    IReadOnlyList<uint> ProgramIds,
    long Forks,
    long Execs,
    long Exits,
    long OtherKinds,
    long Malformed,
    ulong? KernelDropped)
{
    /// <summary>Descriptor events (socket, closed, range closed, received) read.</summary>
    public long DescriptorEvents { get; init; }

    /// <summary>Mapping events (exec mapped, unmapped) read.</summary>
    public long MappingEvents { get; init; }

    /// <summary>Socket release events (cgroup/sock_release) read.</summary>
    public long SocketReleaseEvents { get; init; }

    /// <summary>Cgroup programs of the object left unattached ("name: reason").</summary>
    public IReadOnlyList<string> SkippedPrograms { get; init; } = [];

    public int Subscribers { get; init; }

    /// <summary>Events not delivered to a subscriber that lagged (each was told with <see cref="TrackingEventsLost"/>).</summary>
    public long LostToLaggingSubscribers { get; init; }
}

/// <summary>The reader thread failed; the actor rethrows so that its supervisor restarts it (and the object is reloaded).</summary>
internal sealed record EbpfReaderFailed(Exception Reason);
