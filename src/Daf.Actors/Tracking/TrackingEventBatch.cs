// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Tracking;

/// <summary>
/// A pooled run of decoded events, shared by every subscriber it was sent to. The last subscriber to release its
/// <see cref="TrackingEventsReceived"/> returns the batch to its pool; a batch one never releases (a subscriber
/// died with it in its mailbox) is simply collected, and the pool makes a new one.
/// </summary>
internal sealed class TrackingEventBatch
{
    public const int Capacity = 128;

    private readonly TrackingEvent[] _events = new TrackingEvent[Capacity];
    private readonly TrackingEventBatchPool _pool;
    private int _count;
    private int _references;

    public TrackingEventBatch(TrackingEventBatchPool pool) => _pool = pool;

    public int Count => _count;

    public bool IsFull => _count == Capacity;

    public ReadOnlySpan<TrackingEvent> Events => _events.AsSpan(0, _count);

    /// <summary>Reader thread only, before <see cref="Share"/>.</summary>
    public void Add(in TrackingEvent trackingEvent) => _events[_count++] = trackingEvent;

    /// <summary>Hands the batch to <paramref name="references"/> subscribers (at least one).</summary>
    public void Share(int references) => Volatile.Write(ref _references, references);

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
            Recycle();
    }

    /// <summary>Empties the batch and gives it back to the pool (also for a batch nobody was sent).</summary>
    public void Recycle()
    {
        _count = 0;
        _pool.Return(this);
    }
}
