// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Tracking;

/// <summary>
/// To the identity actor: a rule set with identity criteria is about to be published (the rule store holds it until
/// then) or app-fw is about to say it is ready. Starts the holder tracker if none runs; answered with
/// <see cref="TrackingPrepared"/> (same <paramref name="Id"/>) once it follows processes (<see cref="TrackingReadiness"/>).
/// </summary>
public sealed record PrepareTracking(long Id);

/// <summary>The holder tracker follows processes: <paramref name="Events"/> true when eBPF events flow, false on /proc scans only.</summary>
public sealed record TrackingPrepared(long Id, bool Events);
