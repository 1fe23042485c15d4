// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;

namespace Daf.Actors.Tracking;

/// <summary>
/// Asks the eBPF event reader to send <paramref name="Subscriber"/> every decoded event in
/// <see cref="TrackingEventsReceived"/> batches. The reader replies <see cref="TrackingSubscribed"/> to the subscriber;
/// events are delivered from then on, so subscribe first and scan /proc after the reply. The reader watches
/// subscribers and forgets those that stop.
/// </summary>
public sealed record SubscribeTrackingEvents(IActorRef Subscriber);

/// <summary>Stops deliveries to <paramref name="Subscriber"/> (batches already sent must still be released).</summary>
public sealed record UnsubscribeTrackingEvents(IActorRef Subscriber);

/// <summary>
/// The subscription is in place. <paramref name="Tracking"/> is false when the eBPF object is not loaded: no events
/// will come, and the subscriber must find changes some other way (e.g. rescanning /proc).
/// </summary>
public sealed record TrackingSubscribed(bool Tracking)
{
    /// <summary>The socket release program (cgroup/sock_release) is attached: SOCKET_RELEASED events will come.</summary>
    public bool SocketReleases { get; init; }
}

/// <summary>Why a subscriber missed events.</summary>
public enum TrackingLossCause
{
    /// <summary>The probe found the kernel ring buffer full (its `dropped` counter rose): every subscriber missed them.</summary>
    KernelRingBufferFull,
    /// <summary>This subscriber had too many unreleased batches; the reader did not wait for it.</summary>
    SubscriberLagging,
    /// <summary>The reader was restarted (its object reloaded): events in between were not seen.</summary>
    ReaderRestarted,
}

/// <summary>
/// Some events never reached this subscriber (<paramref name="Events"/> of them; for a restart, unknown: 0). What it
/// derived from events may now be wrong: it must resynchronise (rescan /proc) before trusting its state again.
/// </summary>
public sealed record TrackingEventsLost(long Events, TrackingLossCause Cause);

/// <summary>
/// An EXIT_IMAGE or EXEC_FILE event (too large for the flat <see cref="TrackingEvent"/> batches): sent alone, in ring
/// order with the batches (the batch in progress goes first). One message per event and subscriber.
/// </summary>
/// <param name="Event">An <see cref="Daf.Interop.Bpf.ExitImageEvent"/> or an <see cref="Daf.Interop.Bpf.ExecFileEvent"/>.</param>
public sealed record ImageEventReceived(object Event);
