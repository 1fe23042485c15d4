// SPDX-License-Identifier: Apache-2.0
using System.Runtime.InteropServices;
using Sys = Tmds.Linux.LibC;

namespace Daf.Interop.Posix;

/// <summary>An eventfd(2) (EFD_NONBLOCK | EFD_CLOEXEC) used to wake a thread blocked in <see cref="Poller.Wait"/>.</summary>
public sealed unsafe class EventFd : IDisposable
{
    private int _fd;

    private EventFd(int fd) => _fd = fd;

    public static EventFd Create()
    {
        int fd = Sys.eventfd(0, Sys.EFD_NONBLOCK | Sys.EFD_CLOEXEC);
        if (fd < 0)
            throw PosixException.FromLastError("eventfd2");
        return new EventFd(fd);
    }

    public int FileDescriptor => _fd;

    /// <summary>Makes the descriptor readable (write 1). Safe from any thread.</summary>
    public void Signal()
    {
        ulong one = 1;
        if ((long)Sys.write(_fd, &one, sizeof(ulong)) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            // EAGAIN: the counter is saturated, so the descriptor is readable already.
            if (errno != Errno.EAGAIN)
                throw new PosixException("write(eventfd)", errno);
        }
    }

    /// <summary>Reads the counter back to zero; returns false when it was already zero.</summary>
    public bool Drain() => DescriptorCounter.Read(_fd, "read(eventfd)");

    public void Dispose() => DescriptorCounter.Close(ref _fd);
}
