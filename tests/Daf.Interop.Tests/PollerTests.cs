// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Daf.Interop.Posix;

namespace Daf.Interop.Tests;

public sealed partial class PollerTests
{
    [Fact]
    public void Wait_wakes_when_another_thread_signals_the_eventfd()
    {
        using var wake = EventFd.Create();
        using var timer = TimerFd.Create();
        var signaller = new Thread(() =>
        {
            Thread.Sleep(100);
            wake.Signal();
        });
        signaller.Start();
        Span<bool> readable = stackalloc bool[2];
        var clock = Stopwatch.StartNew();

        int ready = Poller.Wait([timer.FileDescriptor, wake.FileDescriptor], readable, 5_000_000_000);

        Assert.Equal(1, ready);
        Assert.False(readable[0]);
        Assert.True(readable[1]);
        Assert.InRange(clock.ElapsedMilliseconds, 50, 4900); // woken by the signal, not by the 5 s timeout
        Assert.True(wake.Drain());
        Assert.False(wake.Drain());
        signaller.Join();
    }

    [Fact]
    public void Wait_wakes_when_the_timer_expires()
    {
        using var timer = TimerFd.Create();
        Span<bool> readable = stackalloc bool[1];
        timer.ArmRelative(50_000_000);
        var clock = Stopwatch.StartNew();

        int ready = Poller.Wait([timer.FileDescriptor], readable, 5_000_000_000);

        Assert.Equal(1, ready);
        Assert.True(readable[0]);
        Assert.InRange(clock.ElapsedMilliseconds, 40, 4900); // woken by the timer, not by the 5 s timeout
        Assert.True(timer.Drain());
        Assert.False(timer.Drain());
    }

    [Fact]
    public void Disarmed_timer_does_not_fire()
    {
        using var timer = TimerFd.Create();
        Span<bool> readable = stackalloc bool[1];
        timer.ArmRelative(30_000_000);
        timer.Disarm();

        Assert.Equal(0, Poller.Wait([timer.FileDescriptor], readable, 100_000_000));
        Assert.False(timer.Drain());
    }

    [Fact]
    public void Wait_times_out_with_nothing_readable()
    {
        using var wake = EventFd.Create();
        Span<bool> readable = stackalloc bool[1];
        readable[0] = true;
        var clock = Stopwatch.StartNew();

        int ready = Poller.Wait([wake.FileDescriptor], readable, 100_000_000);

        Assert.Equal(0, ready);
        Assert.False(readable[0]);
        Assert.True(clock.ElapsedMilliseconds >= 90, $"returned after {clock.ElapsedMilliseconds} ms");
    }

    [Fact]
    public void Zero_timeout_polls_without_waiting()
    {
        using var wake = EventFd.Create();
        Span<bool> readable = stackalloc bool[1];
        wake.Signal();

        Assert.Equal(1, Poller.Wait([wake.FileDescriptor], readable, 0));
        Assert.True(wake.Drain());
        Assert.Equal(0, Poller.Wait([wake.FileDescriptor], readable, 0));
    }

    [Fact]
    public unsafe void Blocked_wait_uses_no_cpu()
    {
        using var wake = EventFd.Create();
        long before = ThreadCpuNanoseconds();

        Poller.Wait([wake.FileDescriptor], stackalloc bool[1], 300_000_000);

        long used = ThreadCpuNanoseconds() - before;
        Assert.True(used < 20_000_000, $"the waiting thread used {used / 1000} us of CPU in 300 ms");
    }

    [Fact]
    public void Wait_allocates_nothing()
    {
        using var wake = EventFd.Create();
        Span<bool> readable = stackalloc bool[1];
        for (int i = 0; i < 200; i++)
            SignalWaitDrain(wake, readable);
        Thread.Sleep(300); // let tiered compilation settle; its bookkeeping may allocate once on this thread
        long before = GC.GetAllocatedBytesForCurrentThread();

        for (int i = 0; i < 1000; i++)
            SignalWaitDrain(wake, readable);

        // Any allocation per call would cost at least 24 bytes x 1000; allow one stray runtime object.
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 100);
    }

    private static void SignalWaitDrain(EventFd wake, Span<bool> readable)
    {
        wake.Signal();
        Poller.Wait([wake.FileDescriptor], readable, 0);
        wake.Drain();
    }

    [Fact]
    public void Closed_descriptor_is_reported_readable_so_the_read_surfaces_it()
    {
        var wake = EventFd.Create();
        int fd = wake.FileDescriptor;
        wake.Dispose();
        Span<bool> readable = stackalloc bool[1];

        Assert.Equal(1, Poller.Wait([fd], readable, 0));
        Assert.Equal(-1, wake.FileDescriptor);
    }

    private static unsafe long ThreadCpuNanoseconds()
    {
        const int CLOCK_THREAD_CPUTIME_ID = 3;
        long* now = stackalloc long[2];
        Assert.Equal(0, clock_gettime(CLOCK_THREAD_CPUTIME_ID, now));
        return now[0] * 1_000_000_000 + now[1];
    }

    [System.Runtime.InteropServices.LibraryImport("libc")]
    private static unsafe partial int clock_gettime(int clock, long* timespec);
}
