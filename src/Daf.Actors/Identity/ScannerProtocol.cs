// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Identity;

/// <summary>The process replaced its image (exec): the scanner starts a fresh image.</summary>
public sealed record ProcessExeced
{
    public static readonly ProcessExeced Instance = new();
}

/// <summary>Executable memory was mapped (<paramref name="Unmapped"/> false) or memory was unmapped: read the maps again.</summary>
public sealed record ProcessMappingsChanged(bool Unmapped)
{
    public static readonly ProcessMappingsChanged Mapped = new(false);
    public static readonly ProcessMappingsChanged Unmapping = new(true);
}

/// <summary>
/// A packet found the published image of process <paramref name="Tgid"/> older than its generation counter (the
/// events announcing the change are still on their way, or were lost): read it again unless already current.
/// To the tracker, which forwards it to the process's scanner.
/// </summary>
public sealed record RefreshProcessImage(int Tgid);

/// <summary>
/// Tracking events were lost (the tracker rescanned /proc): an exec or a code mapping of the process may have moved its
/// generation counter without an event telling the scanner. Read the image again if the counter calls it stale.
/// </summary>
public sealed record ProcessEventsLost
{
    public static readonly ProcessEventsLost Instance = new();
}

/// <summary>The process exited: the scanner keeps its last image for the grace delay, then removes it and stops.</summary>
public sealed record ProcessExited
{
    public static readonly ProcessExited Instance = new();
}

/// <summary>Asks a scanner for its <see cref="ProcessScannerState"/>.</summary>
public sealed record GetProcessScannerState
{
    public static readonly GetProcessScannerState Instance = new();
}

/// <param name="Reads">Reads of the maps started so far.</param>
/// <param name="Execs">Exec events seen (each starts a fresh image).</param>
/// <param name="Image">The image published for the current exec, if one was read.</param>
/// <param name="LastError">Why the last read failed, if it did.</param>
public sealed record ProcessScannerState(int Tgid, int Reads, int Execs, bool Exited, ProcessImage? Image, string? LastError);

/// <summary>
/// The tracker to a scanner: the probe listed what the process had mapped executable when it exited
/// (<see cref="Daf.Interop.Bpf.ExitImageEvent"/>), with the executable it last exec'd and the path it was exec'd by when
/// known. A scanner that has no image of the current exec builds one from a complete list (<see cref="ExitImages"/>); if a
/// digest is missing it tries again whenever the digest cache learns an object, until its retention ends.
/// </summary>
public sealed record ExitImageCaptured(IReadOnlyList<Daf.Interop.Bpf.ImageObject> Objects, Daf.Interop.Bpf.ImageObject? Executable,
    string? ExecutablePath)
{
    /// <summary>Why the list cannot name every executable object (it was cut short, or the address space was unreadable); null: complete.</summary>
    public string? Incomplete { get; init; }
}
