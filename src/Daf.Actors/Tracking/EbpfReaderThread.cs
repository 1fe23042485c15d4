// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Bpf;
using Daf.Interop.Posix;

namespace Daf.Actors.Tracking;

/// <summary>
/// A dedicated thread that sleeps in poll on the ring buffer's epoll descriptor and a stop eventfd (no CPU while
/// idle, no timeout) and consumes records as they arrive. It owns nothing: the actor creates and frees the ring
/// buffer, and stops this thread first.
/// </summary>
internal sealed class EbpfReaderThread
{
    private const int RingSlot = 0, StopSlot = 1;

    private readonly BpfRingBuffer _ring;
    private readonly EventFd _stop;
    private readonly Action<Exception> _failed;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public EbpfReaderThread(BpfRingBuffer ring, EventFd stop, Action<Exception> failed)
    {
        _ring = ring;
        _stop = stop;
        _failed = failed;
        _thread = new Thread(Run) { IsBackground = true, Name = "daf-ebpf-reader" };
    }

    public void Start() => _thread.Start();

    /// <summary>Wakes the thread, lets it consume what is left and waits for it; false when it did not finish in time.</summary>
    public bool Stop(TimeSpan timeout)
    {
        _stopping = true;
        _stop.Signal();
        return _thread.Join(timeout);
    }

    private void Run()
    {
        Span<int> fds = [_ring.EpollFd, _stop.FileDescriptor];
        Span<bool> readable = stackalloc bool[2];
        try
        {
            while (!_stopping)
            {
                Poller.Wait(fds, readable, -1);
                if (readable[RingSlot])
                    _ring.Consume();
            }
            _ring.Consume();
        }
        catch (Exception exception)
        {
            if (!_stopping)
                _failed(exception);
        }
    }
}
