// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Native;
using Daf.Interop.Posix;

namespace Daf.Interop.Time;

/// <summary>CLOCK_MONOTONIC, read with clock_gettime(2): the clock systemd's MONOTONIC_USEC= is measured on.</summary>
public static unsafe class MonotonicClock
{
    /// <exception cref="PosixException">clock_gettime failed.</exception>
    public static ulong Microseconds()
    {
        Tmds.Linux.timespec now;
        if (LibC.clock_gettime(LibC.CLOCK_MONOTONIC, &now) < 0)
            throw PosixException.FromLastError("clock_gettime(CLOCK_MONOTONIC)");
        return (ulong)(long)now.tv_sec * 1_000_000UL + (ulong)(long)now.tv_nsec / 1_000UL;
    }
}
