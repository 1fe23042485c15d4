// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;

namespace Daf.Actors.DecisionLog;

/// <summary>
/// One decision of a deferred packet, made by an attribution actor, for the <see cref="DecisionLogActor"/>.
/// Deferred packets are few (the first ones of a flow or process) and already allocate: one message each.
/// </summary>
/// <param name="Suppressed">Lines of deferred decisions the rate limit suppressed since the previous one sent.</param>
public sealed record DeferredDecision(Chain Chain, ushort Queue, long RuleVersion, DecisionRecord Record, long Suppressed);
