// SPDX-License-Identifier: Apache-2.0
using System.Runtime.InteropServices;
using Tmds.Linux;
using Sys = Tmds.Linux.LibC;

namespace Daf.Interop.Posix;

/// <summary>ppoll(2) for readability on a few descriptors.</summary>
public static unsafe class Poller
{
    /// <summary>Most descriptors one call watches (the pollfd array lives on the stack).</summary>
    public const int MaxDescriptors = 64;

    /// <summary>
    /// Blocks until one of <paramref name="fds"/> is readable or the timeout passes (negative: no timeout).
    /// Sets <paramref name="readable"/>[i] for each readable descriptor; returns how many are readable
    /// (0 on timeout). EINTR returns 0. Allocates nothing.
    /// </summary>
    /// <remarks>
    /// POLLERR, POLLHUP and POLLNVAL count as readable, so that the next read reports the condition
    /// (for a netlink socket POLLERR is how ENOBUFS shows) instead of the caller spinning.
    /// </remarks>
    public static int Wait(ReadOnlySpan<int> fds, Span<bool> readable, long timeoutNanoseconds)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fds.Length, MaxDescriptors);
        ArgumentOutOfRangeException.ThrowIfLessThan(readable.Length, fds.Length);

        pollfd* set = stackalloc pollfd[fds.Length];
        for (int i = 0; i < fds.Length; i++)
        {
            set[i].fd = fds[i];
            set[i].events = Sys.POLLIN;
            set[i].revents = 0;
            readable[i] = false;
        }

        timespec timeout;
        timespec* timeoutPtr = null;
        if (timeoutNanoseconds >= 0)
        {
            timeout.tv_sec = timeoutNanoseconds / 1_000_000_000;
            timeout.tv_nsec = (long_t)(timeoutNanoseconds % 1_000_000_000);
            timeoutPtr = &timeout;
        }

        int n = Sys.ppoll(set, (uint)fds.Length, timeoutPtr, null);
        if (n < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EINTR)
                return 0;
            throw new PosixException("ppoll", errno);
        }

        const short ready = 0x1 | 0x8 | 0x10 | 0x20; // POLLIN | POLLERR | POLLHUP | POLLNVAL
        int count = 0;
        for (int i = 0; i < fds.Length; i++)
        {
            if ((set[i].revents & ready) != 0)
            {
                readable[i] = true;
                count++;
            }
        }
        return count;
    }
}
