// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Identity;

public enum ProcessReadOutcome
{
    /// <summary>The image was read.</summary>
    Read,
    /// <summary>The process does not exist or exited while it was read: expected, not an error.</summary>
    Gone,
    /// <summary>/proc could not be read (e.g. EACCES without root); the error says which syscall failed.</summary>
    Failed,
}
