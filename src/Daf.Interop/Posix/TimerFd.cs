// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Native;

namespace Daf.Interop.Posix;

/// <summary>A timerfd(2) on CLOCK_MONOTONIC (TFD_NONBLOCK | TFD_CLOEXEC), one-shot.</summary>
public sealed unsafe class TimerFd : IDisposable
{
    private const long NanosecondsPerSecond = 1_000_000_000;
    private int _fd;

    private TimerFd(int fd) => _fd = fd;

    public static TimerFd Create()
    {
        int fd = LibC.timerfd_create(LibC.CLOCK_MONOTONIC, LibC.TFD_NONBLOCK | LibC.TFD_CLOEXEC);
        if (fd < 0)
            throw PosixException.FromLastError("timerfd_create");
        return new TimerFd(fd);
    }

    public int FileDescriptor => _fd;

    /// <summary>Fires once after <paramref name="nanoseconds"/> (at least 1 ns). Safe from any thread.</summary>
    public void ArmRelative(long nanoseconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nanoseconds, 1);
        SetTime(nanoseconds / NanosecondsPerSecond, nanoseconds % NanosecondsPerSecond);
    }

    public void Disarm() => SetTime(0, 0);

    /// <summary>Consumes an expiration; returns false when none was pending.</summary>
    public bool Drain() => DescriptorCounter.Read(_fd, "read(timerfd)");

    public void Dispose() => DescriptorCounter.Close(ref _fd);

    private void SetTime(long seconds, long nanoseconds)
    {
        LibC.itimerspec spec = default;
        spec.it_value_sec = seconds;
        spec.it_value_nsec = nanoseconds;
        if (LibC.timerfd_settime(_fd, 0, &spec, null) < 0)
            throw PosixException.FromLastError("timerfd_settime");
    }
}
