// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Posix;

/// <summary>An eventfd(2) used to wake a thread blocked in <see cref="Poller.Wait"/>. STUB: replaced by the NFQUEUE work.</summary>
public sealed class EventFd : IDisposable
{
    public static EventFd Create() => throw new NotImplementedException();
    public int FileDescriptor => -1;
    /// <summary>Makes the descriptor readable (write 1). Safe from any thread.</summary>
    public void Signal() => throw new NotImplementedException();
    /// <summary>Reads the counter back to zero; returns false when it was already zero.</summary>
    public bool Drain() => throw new NotImplementedException();
    public void Dispose() { }
}
