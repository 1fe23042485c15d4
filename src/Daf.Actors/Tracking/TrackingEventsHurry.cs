// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Posix;

namespace Daf.Actors.Tracking;

/// <summary>
/// Cuts short the eBPF reader's coalescing pause (<see cref="EbpfReaderThread"/>): a packet deferred because its
/// socket has no known holder waits for the event that announces one, which is most likely in the ring already.
/// Owned by the daemon (it outlives restarts of the reader); <see cref="Hurry"/> is safe from any thread.
/// </summary>
public sealed class TrackingEventsHurry : IDisposable
{
    private readonly EventFd _eventFd = EventFd.Create();

    internal int FileDescriptor => _eventFd.FileDescriptor;

    /// <summary>The reader consumes what the ring holds now instead of at the end of its pause.</summary>
    public void Hurry() => _eventFd.Signal();

    internal void Drain() => _eventFd.Drain();

    public void Dispose() => _eventFd.Dispose();
}
