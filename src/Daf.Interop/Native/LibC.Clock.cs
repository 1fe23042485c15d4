// SPDX-License-Identifier: Apache-2.0
using System.Runtime.InteropServices;

namespace Daf.Interop.Native;

/// <summary>clock_gettime(2), which Tmds.LibC 0.5.0 lacks.</summary>
internal static unsafe partial class LibC
{
    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    internal static partial int clock_gettime(int clockid, Tmds.Linux.timespec* time);
}
