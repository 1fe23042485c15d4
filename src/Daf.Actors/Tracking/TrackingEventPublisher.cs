// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Daf.Interop.Bpf;

namespace Daf.Actors.Tracking;

/// <summary>
/// Reader-thread side of the subscription: decodes each record into the current pooled batch and sends full batches
/// (and whatever a consume round leaves) to every subscriber. Nothing is allocated per event; per batch one small
/// message per subscriber.
/// </summary>
/// <remarks>
/// Bounded: a subscriber holding <see cref="MaxPendingBatches"/> unreleased batches gets no more. The reader never
/// waits for it (that would let the kernel ring fill and drop for everyone): the newest events are not delivered to
/// it, it is told at once with <see cref="TrackingEventsLost"/> (so it rescans /proc when it gets there), and once it
/// takes batches again it is told again of what it missed in between. Events are never silently lost: kernel-side
/// drops (the probe's `dropped` counter rising) are announced to every subscriber the same way.
/// </remarks>
internal sealed class TrackingEventPublisher
{
    /// <summary>
    /// Per subscriber: at most this many batches sent and not released (about 4.7 MB; 64k events when full). Quiet
    /// rounds send batches of one or two events, and .NET processes alone (W^X JIT) make hundreds of executable
    /// mappings a second, so the bound counts batches generously.
    /// </summary>
    public const int MaxPendingBatches = 512;

    private readonly TrackingEventBatchPool _pool = new();
    private readonly Func<ulong>? _kernelDropped;
    private readonly object _subscribersLock = new();
    private TrackingSubscription[] _subscriptions = [];
    private TrackingEventBatch? _current;
    private ulong _lastKernelDropped;
    private long _sequence;

    /// <param name="kernelDropped">Reads the probe's `dropped` counter (null: the object has none).</param>
    public TrackingEventPublisher(Func<ulong>? kernelDropped)
    {
        _kernelDropped = kernelDropped;
        _lastKernelDropped = kernelDropped?.Invoke() ?? 0;
    }

    /// <summary>Events not delivered to some subscriber because it lagged (summed over subscribers).</summary>
    public long LaggingLost;

    /// <summary>Events the probe could not queue (ring full), as last read.</summary>
    public ulong KernelDropped => Volatile.Read(ref _lastKernelDropped);

    public int SubscriberCount => Volatile.Read(ref _subscriptions).Length;

    /// <summary>Any thread. False when <paramref name="subscriber"/> was already subscribed.</summary>
    public bool Subscribe(IActorRef subscriber)
    {
        lock (_subscribersLock)
        {
            if (Array.Exists(_subscriptions, s => s.Subscriber.Equals(subscriber)))
                return false;
            Volatile.Write(ref _subscriptions, [.. _subscriptions, new TrackingSubscription(subscriber)]);
            return true;
        }
    }

    public void Unsubscribe(IActorRef subscriber)
    {
        lock (_subscribersLock)
            Volatile.Write(ref _subscriptions, Array.FindAll(_subscriptions, s => !s.Subscriber.Equals(subscriber)));
    }

    public IActorRef[] Subscribers() => Array.ConvertAll(Volatile.Read(ref _subscriptions), s => s.Subscriber);

    /// <summary>Reader thread: one ring-buffer record. Unknown kinds and malformed records are skipped (the counters count them).</summary>
    public void Add(ReadOnlySpan<byte> record)
    {
        if (Volatile.Read(ref _subscriptions).Length == 0)
            return;
        if (TryReadImageEvent(record, out object? imageEvent))
        {
            Flush();
            var message = new ImageEventReceived(imageEvent!);
            foreach (TrackingSubscription subscription in Volatile.Read(ref _subscriptions))
                subscription.Subscriber.Tell(message, ActorRefs.NoSender);
            return;
        }
        if (!TrackingEvent.TryRead(record, out TrackingEvent trackingEvent))
            return;
        _current ??= _pool.Rent();
        _current.Add(trackingEvent);
        if (_current.IsFull)
            Flush();
    }

    private static bool TryReadImageEvent(ReadOnlySpan<byte> record, out object? imageEvent)
    {
        imageEvent = null;
        if (ExitImageEvent.TryRead(record, out ExitImageEvent? exitImage))
            imageEvent = exitImage;
        else if (ExecFileEvent.TryRead(record, out ExecFileEvent? execFile))
            imageEvent = execFile;
        return imageEvent is not null;
    }

    /// <summary>Reader thread, after each consume round: sends the partial batch and announces kernel drops.</summary>
    public void EndOfRound()
    {
        Flush();
        if (_kernelDropped is null)
            return;
        ulong dropped = _kernelDropped();
        if (dropped == _lastKernelDropped)
            return;
        long lost = (long)(dropped - _lastKernelDropped);
        Volatile.Write(ref _lastKernelDropped, dropped);
        var message = new TrackingEventsLost(lost, TrackingLossCause.KernelRingBufferFull);
        foreach (TrackingSubscription subscription in Volatile.Read(ref _subscriptions))
            subscription.Subscriber.Tell(message, ActorRefs.NoSender);
    }

    private void Flush()
    {
        TrackingEventBatch? batch = _current;
        if (batch is null || batch.Count == 0)
            return;
        _current = null;
        long sequence = ++_sequence;
        TrackingSubscription[] subscriptions = Volatile.Read(ref _subscriptions);

        // Decide who takes the batch once (releases on other threads may lower Pending meanwhile), and share it
        // before the first Tell: a fast subscriber may release while we are still sending to the others.
        Span<bool> takes = subscriptions.Length <= 64 ? stackalloc bool[subscriptions.Length] : new bool[subscriptions.Length];
        int receivers = 0;
        for (int i = 0; i < subscriptions.Length; i++)
        {
            takes[i] = subscriptions[i].Pending < MaxPendingBatches;
            if (takes[i])
                receivers++;
        }
        if (receivers > 0)
            batch.Share(receivers);
        int count = batch.Count;
        for (int i = 0; i < subscriptions.Length; i++)
        {
            TrackingSubscription subscription = subscriptions[i];
            if (!takes[i])
            {
                Drop(subscription, count);
                continue;
            }
            if (subscription.Lagging)
            {
                if (subscription.LostSinceNotice > 0)
                    subscription.Subscriber.Tell(
                        new TrackingEventsLost(subscription.LostSinceNotice, TrackingLossCause.SubscriberLagging), ActorRefs.NoSender);
                subscription.LostSinceNotice = 0;
                subscription.Lagging = false;
            }
            subscription.Sent();
            subscription.Subscriber.Tell(new TrackingEventsReceived(batch, subscription, sequence), ActorRefs.NoSender);
        }
        if (receivers == 0)
            batch.Recycle();
    }

    private void Drop(TrackingSubscription subscription, int events)
    {
        Interlocked.Add(ref LaggingLost, events);
        if (subscription.Lagging)
        {
            subscription.LostSinceNotice += events;
            return;
        }
        subscription.Lagging = true;
        subscription.Subscriber.Tell(new TrackingEventsLost(events, TrackingLossCause.SubscriberLagging), ActorRefs.NoSender);
    }
}
