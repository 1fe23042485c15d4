// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Proc;

/// <summary>The "perms" column of /proc/PID/maps (rwxp / rwxs).</summary>
[Flags]
public enum ProcMapsPermissions : byte
{
    None = 0,
    Read = 1,
    Write = 2,
    Execute = 4,
    /// <summary>'s': a shared mapping ('p': private, copy-on-write).</summary>
    Shared = 8,
}
