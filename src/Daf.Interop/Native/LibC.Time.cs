// SPDX-License-Identifier: Apache-2.0
using System.Runtime.InteropServices;

#pragma warning disable CS8981 // kernel UAPI struct names

namespace Daf.Interop.Native;

/// <summary>timerfd(2) calls, which Tmds.LibC 0.5.0 lacks.</summary>
internal static unsafe partial class LibC
{
    internal const int CLOCK_MONOTONIC = 1;
    internal const int TFD_NONBLOCK = 0x800, TFD_CLOEXEC = 0x80000;

    [LibraryImport("libc", EntryPoint = "timerfd_create", SetLastError = true)]
    internal static partial int timerfd_create(int clockid, int flags);

    [LibraryImport("libc", EntryPoint = "timerfd_settime", SetLastError = true)]
    internal static partial int timerfd_settime(int fd, int flags, itimerspec* newValue, itimerspec* oldValue);

    /// <summary>struct itimerspec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct itimerspec
    {
        public long it_interval_sec;
        public long it_interval_nsec;
        public long it_value_sec;
        public long it_value_nsec;
    }
}
