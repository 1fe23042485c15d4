// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;

namespace Daf.Actors.Supervision;

/// <summary>
/// The /user guardian's strategy (hocon: <c>akka.actor.guardian-supervisor-strategy</c>): <see cref="DafSupervision"/>
/// for the top-level actors (queue readers, rule store, control endpoint, eBPF reader, identity, attribution).
/// </summary>
public sealed class DafGuardianStrategy : SupervisorStrategyConfigurator
{
    public override SupervisorStrategy Create() => DafSupervision.RestartOnFailure();
}
