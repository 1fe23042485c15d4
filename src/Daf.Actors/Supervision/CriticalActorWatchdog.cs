// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.Event;

namespace Daf.Actors.Supervision;

/// <summary>
/// Watches the actors app-fw cannot serve without (queue readers, rule store, control endpoint). When one stops
/// outside a shutdown — it failed while starting, or more often than <see cref="DafSupervision"/> allows — app-fw
/// stops (exit status 1, <see cref="CriticalActorStopped"/>) instead of running on half-blind: a supervisor such as
/// systemd starts it afresh, and meanwhile the queue is unbound (its iptables rule's --queue-bypass decides).
/// </summary>
public sealed class CriticalActorWatchdog : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public CriticalActorWatchdog(IReadOnlyList<IActorRef> watched, Action<string> onLoss)
    {
        foreach (var actor in watched) Context.Watch(actor);
        Receive<Terminated>(terminated =>
        {
            var shutdown = CoordinatedShutdown.Get(Context.System);
            if (shutdown.ShutdownReason is not null) return;
            var what = $"{terminated.ActorRef.Path.ToStringWithoutAddress()} stopped after repeated failures";
            _log.Error("{0}: stopping app-fw", what);
            onLoss(what);
            shutdown.Run(CriticalActorStopped.Instance);
        });
    }

    public static Props Props(IReadOnlyList<IActorRef> watched, Action<string> onLoss) =>
        Akka.Actor.Props.Create(() => new CriticalActorWatchdog(watched, onLoss));
}
