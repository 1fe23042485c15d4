// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;

namespace Daf.Actors.Identity;

/// <summary>
/// One object mapped in a process: its path as /proc/PID/maps shows it (possibly ending in " (deleted)",
/// <c>[anonymous]</c> for nameless memory), whether any of its mappings is executable, and its SHA-256 or why
/// it cannot be trusted. An executable object with an <see cref="Error"/> makes the process unverifiable; it
/// may still carry the digest of its file (e.g. a writable code mapping) so that DROP rules can match it.
/// </summary>
public sealed record MappedObject(string Path, bool Executable, Sha256Digest? Digest, string? Error)
{
    public bool Verified => Digest.HasValue && Error is null;
}
