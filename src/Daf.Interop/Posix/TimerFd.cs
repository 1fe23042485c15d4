// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Posix;

/// <summary>A timerfd(2) on CLOCK_MONOTONIC, one-shot. STUB: replaced by the NFQUEUE work.</summary>
public sealed class TimerFd : IDisposable
{
    public static TimerFd Create() => throw new NotImplementedException();
    public int FileDescriptor => -1;
    /// <summary>Fires once after <paramref name="nanoseconds"/> (at least 1 ns). Safe from any thread.</summary>
    public void ArmRelative(long nanoseconds) => throw new NotImplementedException();
    public void Disarm() => throw new NotImplementedException();
    /// <summary>Consumes an expiration; returns false when none was pending.</summary>
    public bool Drain() => throw new NotImplementedException();
    public void Dispose() { }
}
