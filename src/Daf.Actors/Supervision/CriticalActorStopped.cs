// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;

namespace Daf.Actors.Supervision;

/// <summary>The coordinated-shutdown reason when an actor app-fw depends on stopped for good.</summary>
public sealed class CriticalActorStopped : CoordinatedShutdown.Reason
{
    public static readonly CriticalActorStopped Instance = new();

    private CriticalActorStopped()
    {
    }

    public override int ExitCode => 1;
}
