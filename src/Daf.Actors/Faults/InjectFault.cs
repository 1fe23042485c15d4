// SPDX-License-Identifier: Apache-2.0
#if DAF_FAULT_INJECTION
namespace Daf.Actors.Faults;

/// <summary>
/// Test builds only (<c>DAF_FAULT_INJECTION</c>): tells an actor to fail as <see cref="Kind"/> says. Every DAF actor
/// intercepts it before its own receive (<see cref="FaultInjection.Intercept"/>); killing needs no hook
/// (<see cref="Akka.Actor.Kill"/>).
/// </summary>
public sealed record InjectFault(FaultKind Kind, TimeSpan Duration = default);
#endif
