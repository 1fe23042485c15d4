// SPDX-License-Identifier: Apache-2.0
#if DAF_FAULT_INJECTION
using Akka.Actor;
using Daf.Actors.Faults;

namespace Daf.Actors.Tracking;

/// <summary>Test builds only: the fault-injection hook (<see cref="FaultInjection"/>).</summary>
public sealed partial class IdentityTrackingActor
{
    protected override bool AroundReceive(Receive receive, object message) =>
        FaultInjection.Intercept(message, Self) || base.AroundReceive(receive, message);
}
#endif
