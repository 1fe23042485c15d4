// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Posix;

namespace Daf.Actors.Queue;

/// <summary>
/// The descriptors a queue reader sleeps on besides its socket: a wake-up eventfd (stop requests)
/// and the batch timer its verdict batcher arms. A reader blocked in poll uses no CPU; anyone who
/// needs it awake signals here. Created before the actors so that shutdown can reach a blocked reader.
/// </summary>
public sealed class QueueSignals : IDisposable
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _stopRequested;

    public QueueSignals()
    {
        Wake = EventFd.Create();
        try { BatchTimer = TimerFd.Create(); }
        catch { Wake.Dispose(); throw; }
    }

    public EventFd Wake { get; }
    public TimerFd BatchTimer { get; }

    public bool StopRequested => _stopRequested;

    /// <summary>Completes when the reader has handed over everything it received and the batcher has flushed it.</summary>
    public Task Drained => _drained.Task;

    /// <summary>Asks the reader to stop reading and drain; safe from any thread.</summary>
    public void RequestStop()
    {
        _stopRequested = true;
        Wake.Signal();
    }

    internal void MarkDrained() => _drained.TrySetResult();

    public void Dispose()
    {
        Wake.Dispose();
        BatchTimer.Dispose();
    }
}
