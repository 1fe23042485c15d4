// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Daf.Actors.Attribution;

namespace Daf.Actors.Queue;

/// <summary>What a queue reader needs to judge identity rules: the in-memory holder path and the actor that takes deferred packets.</summary>
/// <param name="Holders">Lock-free packet → holder images (<see cref="SocketHolderImages"/>).</param>
/// <param name="Attributor">The <see cref="PacketAttributionActor"/> of the reader's namespace.</param>
public sealed record QueueIdentity(IHolderImageSource Holders, IActorRef Attributor);
