// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Daf.Actors.Queue;
using Daf.Actors.Rules;
using Daf.Interop.Packets;

namespace Daf.Actors.Attribution;

/// <summary>
/// A queue reader deferred a packet (its holders were not all in memory): the <see cref="PacketAttributionActor"/>
/// finds them and tells <paramref name="Batcher"/> the verdict as a <see cref="Verdicts.DeferredPacketJudged"/>.
/// The headers are a copy: the packet's buffer is reused by the reader at once.
/// </summary>
/// <param name="Uid">NFQA_UID when the queue delivered it (rate-limits lookups per user).</param>
public sealed record AttributePacket(Chain Chain, PacketHeaders Headers, uint? Uid, uint PacketId, IActorRef Batcher, QueueCounters Counters)
{
    /// <summary>When the reader deferred it (<see cref="System.Diagnostics.Stopwatch"/> ticks; kept by <c>with</c> copies).</summary>
    public long DeferredAt { get; init; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>Where the decision is logged (null: no decision log, or a packet judged in another namespace).</summary>
    public DecisionLog.DeferredDecisionLog? Decisions { get; init; }

    /// <summary>What the packet's verified tag attests (<c>--sig-app</c>), judged with it again.</summary>
    public AttestedApp App { get; init; }

    /// <summary>On a signing queue: what is needed to sign the packet if it is accepted (null elsewhere).</summary>
    public DeferredSigning? Signing { get; init; }

    /// <summary>For a packet of another namespace: which side of it is local there (null: the chain's side in the daemon's).</summary>
    public LocalSide? Side { get; init; }

    /// <summary>A forwarded packet whose namespace is still being searched for (null once known, or for the daemon's).</summary>
    public NamespaceSearch? Search { get; init; }
}
