// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;

namespace Daf.Actors.Supervision;

/// <summary>
/// The one supervision rule of app-fw (docs/ARCHITECTURE.md, "Actors and supervision"): a failed actor is restarted,
/// also when it was killed (<see cref="Kill"/>; Akka's default strategy would stop it), at most
/// <see cref="MaxRestarts"/> times within <see cref="RestartWindow"/>; an actor that fails while starting
/// (<see cref="ActorInitializationException"/>) or more often than that is stopped, and the
/// <see cref="CriticalActorWatchdog"/> stops app-fw when it was one that packets or ctl-fw depend on.
/// </summary>
public static class DafSupervision
{
    public const int MaxRestarts = 10;
    public static readonly TimeSpan RestartWindow = TimeSpan.FromMinutes(1);

    public static Directive Decide(Exception failure) =>
        failure is ActorInitializationException ? Directive.Stop : Directive.Restart;

    public static SupervisorStrategy RestartOnFailure() =>
        new OneForOneStrategy(MaxRestarts, RestartWindow, Decide);
}
