// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Bpf;
using Daf.Interop.Posix;

namespace Daf.Actors.Tracking;

/// <summary>
/// A dedicated thread that sleeps in poll on the ring buffer's epoll descriptor and a stop eventfd (no CPU while
/// idle, no timeout) and consumes records as they arrive. It owns nothing: the actor creates and frees the ring
/// buffer, and stops this thread first.
/// </summary>
/// <remarks>
/// Once woken it waits <see cref="CoalesceNanoseconds"/> (on the stop descriptor alone) before consuming. The kernel
/// wakes a reader only when the reader had caught up, so a reader that drains every record at once is woken for
/// nearly every event: on a 2-core machine a socket+close loop then cost 30-40 us more per iteration, with the
/// 1 ms pause 1-6 us (docs/tracking.md). The price is up to 1 ms more delay for an event; the 256 KiB ring holds
/// about 4,600 descriptor events, far more than 1 ms of any load measured.
/// </remarks>
internal sealed class EbpfReaderThread
{
    private const int RingSlot = 0, StopSlot = 1, HurrySlot = 2;
    private const long CoalesceNanoseconds = 1_000_000;

    private readonly BpfRingBuffer _ring;
    private readonly EventFd _stop;
    private readonly Action<Exception> _failed;
    private readonly Action _endOfRound;
    private readonly TrackingEventsHurry? _hurry;
    private readonly Thread _thread;
    private volatile bool _stopping;

    /// <param name="endOfRound">Called on this thread after each consume round (the publisher flushes its batch).</param>
    /// <param name="hurry">Ends the coalescing pause early (a deferred packet waits for an event); null: never.</param>
    public EbpfReaderThread(BpfRingBuffer ring, EventFd stop, Action<Exception> failed, Action endOfRound, TrackingEventsHurry? hurry = null)
    {
        _hurry = hurry;
        _ring = ring;
        _stop = stop;
        _failed = failed;
        _endOfRound = endOfRound;
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
        Span<int> all = [_ring.EpollFd, _stop.FileDescriptor, _hurry?.FileDescriptor ?? -1];
        Span<int> fds = all[..2];
        // The pause waits on the stop descriptor and, when there is one, the hurry descriptor.
        Span<int> pause = _hurry is null ? all[StopSlot..HurrySlot] : all[StopSlot..];
        Span<bool> readable = stackalloc bool[3];
        try
        {
            while (!_stopping)
            {
                Poller.Wait(fds, readable, -1);
                if (readable[RingSlot])
                {
                    if (!readable[StopSlot])
                    {
                        readable[HurrySlot] = false;
                        Poller.Wait(pause, readable[StopSlot..(StopSlot + pause.Length)], CoalesceNanoseconds);
                        if (readable[HurrySlot])
                            _hurry!.Drain();
                    }
                    _ring.Consume();
                    _endOfRound();
                }
            }
            _ring.Consume();
            _endOfRound();
        }
        catch (Exception exception)
        {
            if (!_stopping)
                _failed(exception);
        }
    }
}
