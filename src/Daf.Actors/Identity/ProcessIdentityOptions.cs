// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Proc;

namespace Daf.Actors.Identity;

/// <summary>How <see cref="ProcessIdentityReader"/> reads a process.</summary>
public sealed record ProcessIdentityOptions
{
    public static ProcessIdentityOptions Default { get; } = new();

    /// <summary>Also hash file-backed mappings that are not executable (data files, locale archives...).</summary>
    public bool IncludeAllFileBacked { get; init; }

    /// <summary>Lines of /proc/PID/maps read at most; a process with more is reported truncated (unverifiable).</summary>
    public int MaxMappings { get; init; } = ProcMapsReader.DefaultMaxLines;

    /// <summary>Reads of the maps when mappings change between reading the maps and opening them.</summary>
    public int MaxAttempts { get; init; } = 3;
}
