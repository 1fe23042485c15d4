// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Identity;

namespace Daf.Actors.Tracking;

/// <summary>How holders and their images are tracked.</summary>
/// <param name="GraceDelay"><c>-d</c>: how long a process that dropped a socket (close, exit) stays its holder, and
/// how long the image of an exited process is kept.</param>
/// <param name="ReadMapsOnce"><c>-R</c>: read a process's maps once and never rescan (an exec still starts a fresh read).</param>
/// <param name="KeepUnmapped"><c>-r</c>: objects stay in the image after they are unmapped (the image only grows until exec).</param>
/// <param name="IncludeAllFileBacked">Hash every file-backed mapping, not only executable ones.</param>
public sealed record TrackingOptions(
    TimeSpan GraceDelay,
    bool ReadMapsOnce = false,
    bool KeepUnmapped = false,
    bool IncludeAllFileBacked = false)
{
    public static readonly TimeSpan DefaultGraceDelay = TimeSpan.FromMilliseconds(50);

    public static TrackingOptions Default { get; } = new(DefaultGraceDelay);

    /// <summary>How scanners read a process (<see cref="IncludeAllFileBacked"/>).</summary>
    public ProcessIdentityOptions IdentityOptions => ProcessIdentityOptions.Default with { IncludeAllFileBacked = IncludeAllFileBacked };

    /// <summary>
    /// Read the image of every process that execs, holder or not yet: a program that opens a socket, sends and
    /// exits within a millisecond is then judged by the image read since its exec. Off: only holders are read.
    /// </summary>
    public bool ReadOnExec { get; init; } = true;

    /// <summary>
    /// How long an exited process's image is kept, and how long a released socket (SOCKET_RELEASED) keeps the process
    /// that released it as holder: at least <see cref="GraceDelay"/>. A released socket sends nothing more, so every
    /// packet still judged by it was queued before the release; the daemon sets the grace delay plus the attribution
    /// wait, so that a packet deferred while the machine is busy still finds its sender. Null: the grace delay.
    /// </summary>
    public TimeSpan? ReleaseRetention { get; init; }

    /// <summary><see cref="ReleaseRetention"/>, never below the grace delay.</summary>
    public TimeSpan ExitRetention => ReleaseRetention is { } retention && retention > GraceDelay ? retention : GraceDelay;

    /// <summary>Full /proc walks at most per second to find the holders of a socket no event announced.</summary>
    public int FallbackScansPerSecond { get; init; } = 2;

    /// <summary>Targeted re-reads of one process's /proc/PID/fd at most per second (after exec or SCM_RIGHTS).</summary>
    public int DescriptorRereadsPerSecond { get; init; } = 500;
}
