// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Tracking;

/// <summary>
/// Decoded eBPF events, in ring-buffer order, for one subscriber. The events live in a pooled batch shared with the
/// other subscribers: handle them within the Receive and call <see cref="Release"/> (after which <see cref="Events"/>
/// throws). A subscriber that keeps more than <see cref="TrackingEventPublisher.MaxPendingBatches"/> batches
/// unreleased is lagging: it receives <see cref="TrackingEventsLost"/> instead of the batches it could not take.
/// </summary>
public sealed class TrackingEventsReceived
{
    private readonly TrackingEventBatch _batch;
    private readonly TrackingSubscription _subscription;
    private int _released;

    internal TrackingEventsReceived(TrackingEventBatch batch, TrackingSubscription subscription, long sequence)
    {
        _batch = batch;
        _subscription = subscription;
        Sequence = sequence;
    }

    /// <summary>Number of the batch since the reader started (consecutive for one subscriber unless it lost some).</summary>
    public long Sequence { get; }

    public ReadOnlySpan<TrackingEvent> Events
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _released) != 0, this);
            return _batch.Events;
        }
    }

    /// <summary>Gives the batch back; idempotent.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
            return;
        _subscription.Released();
        _batch.Release();
    }
}
