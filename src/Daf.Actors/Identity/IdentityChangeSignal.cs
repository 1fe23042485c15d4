// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;

namespace Daf.Actors.Identity;

/// <summary>
/// Tells whoever waits for holders or images that some were published (<see cref="ProcessImageStore.Publish"/>, the
/// holder table), so that a deferred packet is judged as soon as what it waits for is in memory instead of at the next
/// periodic re-check. A listener is armed while it has packets waiting and fires once per arming: a publisher pays one
/// volatile read per listener while none waits, and a burst of publications sends one message.
/// </summary>
public sealed class IdentityChangeSignal
{
    private Listener[] _listeners = [];
    private readonly Lock _lock = new();

    /// <summary>Adds a listener that tells <paramref name="message"/> to <paramref name="target"/> when it is armed and something is published.</summary>
    public Listener Listen(IActorRef target, object message)
    {
        var listener = new Listener(this, target, message);
        lock (_lock)
            Volatile.Write(ref _listeners, [.. _listeners, listener]);
        return listener;
    }

    /// <summary>Any thread: something was published.</summary>
    public void Notify()
    {
        foreach (Listener listener in Volatile.Read(ref _listeners))
            listener.Fire();
    }

    private void Remove(Listener listener)
    {
        lock (_lock)
            Volatile.Write(ref _listeners, Array.FindAll(_listeners, l => !ReferenceEquals(l, listener)));
    }

    public sealed class Listener : IDisposable
    {
        private readonly IdentityChangeSignal _signal;
        private readonly IActorRef _target;
        private readonly object _message;
        private int _armed;

        internal Listener(IdentityChangeSignal signal, IActorRef target, object message)
        {
            _signal = signal;
            _target = target;
            _message = message;
        }

        /// <summary>The next publication sends the message (once).</summary>
        public void Arm() => Volatile.Write(ref _armed, 1);

        internal void Fire()
        {
            if (Volatile.Read(ref _armed) != 0 && Interlocked.Exchange(ref _armed, 0) != 0)
                _target.Tell(_message);
        }

        public void Dispose() => _signal.Remove(this);
    }
}
