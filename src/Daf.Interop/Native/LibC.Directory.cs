// SPDX-License-Identifier: Apache-2.0
using System.Runtime.InteropServices;

namespace Daf.Interop.Native;

/// <summary>getdents64(2), which Tmds.LibC 0.5.0 lacks (glibc exports it since 2.30).</summary>
internal static unsafe partial class LibC
{
    internal const int O_DIRECTORY = 0x10000;

    /// <summary>Fills <paramref name="buffer"/> with struct linux_dirent64 records; 0 at the end of the directory.</summary>
    [LibraryImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    internal static partial nint getdents64(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "readlinkat", SetLastError = true)]
    internal static partial nint readlinkat(int dirfd, byte* path, byte* buffer, nuint size);
}
