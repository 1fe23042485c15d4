// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;

namespace Daf.Actors.Tracking;

/// <summary>One subscriber's delivery state; the reader thread writes it, its releases decrement <see cref="Pending"/>.</summary>
internal sealed class TrackingSubscription(IActorRef subscriber)
{
    private int _pending;

    public IActorRef Subscriber { get; } = subscriber;

    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Reader thread: events dropped for this subscriber since it was last told (0: it is up to date).</summary>
    public long LostSinceNotice;

    /// <summary>Reader thread: the subscriber was told of a loss and has not been delivered to since.</summary>
    public bool Lagging;

    public void Sent() => Interlocked.Increment(ref _pending);

    public void Released() => Interlocked.Decrement(ref _pending);
}
