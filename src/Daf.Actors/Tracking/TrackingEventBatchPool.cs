// SPDX-License-Identifier: Apache-2.0
using System.Collections.Concurrent;

namespace Daf.Actors.Tracking;

/// <summary>Free <see cref="TrackingEventBatch"/>es: rented by the reader thread, returned by whichever subscriber releases last.</summary>
internal sealed class TrackingEventBatchPool
{
    private const int MaxRetained = 64;

    private readonly ConcurrentQueue<TrackingEventBatch> _free = new();

    public TrackingEventBatch Rent() => _free.TryDequeue(out TrackingEventBatch? batch) ? batch : new TrackingEventBatch(this);

    public void Return(TrackingEventBatch batch)
    {
        if (_free.Count < MaxRetained)
            _free.Enqueue(batch);
    }
}
