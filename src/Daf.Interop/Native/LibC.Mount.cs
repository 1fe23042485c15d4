// SPDX-License-Identifier: Apache-2.0
using System.Runtime.InteropServices;

namespace Daf.Interop.Native;

/// <summary>The new mount API (fsopen, fsconfig, fsmount; Linux 5.2+), which glibc 2.36 wraps and Tmds.LibC does not.</summary>
internal static unsafe partial class LibC
{
    internal const long SYS_fsopen = 430, SYS_fsconfig = 431, SYS_fsmount = 432;
    internal const uint FSOPEN_CLOEXEC = 0x1;
    internal const uint FSCONFIG_CMD_CREATE = 6;
    internal const uint FSMOUNT_CLOEXEC = 0x1;

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    internal static partial long syscall(long number, nint arg1, nint arg2, nint arg3, nint arg4, nint arg5);

    internal static int fsopen(byte* fsName, uint flags) => (int)syscall(SYS_fsopen, (nint)fsName, (nint)flags, 0, 0, 0);

    internal static int fsconfig(int fd, uint command, byte* key, void* value, int aux) =>
        (int)syscall(SYS_fsconfig, fd, (nint)command, (nint)key, (nint)value, aux);

    internal static int fsmount(int fd, uint flags, uint attributes) => (int)syscall(SYS_fsmount, fd, (nint)flags, (nint)attributes, 0, 0);
}
