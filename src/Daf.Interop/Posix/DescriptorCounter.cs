// SPDX-License-Identifier: Apache-2.0
using System.Runtime.InteropServices;
using Sys = Tmds.Linux.LibC;

namespace Daf.Interop.Posix;

/// <summary>What eventfd and timerfd share: an 8-byte counter read without blocking, and an idempotent close.</summary>
internal static unsafe class DescriptorCounter
{
    /// <summary>Reads the 8-byte counter; false when nothing was pending (EAGAIN).</summary>
    public static bool Read(int fd, string operation)
    {
        ulong value;
        while (true)
        {
            if ((long)Sys.read(fd, &value, sizeof(ulong)) == sizeof(ulong))
                return true;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EAGAIN)
                return false;
            if (errno != Errno.EINTR)
                throw new PosixException(operation, errno);
        }
    }

    public static void Close(ref int fd)
    {
        int old = Interlocked.Exchange(ref fd, -1);
        if (old >= 0)
            Sys.close(old);
    }
}
