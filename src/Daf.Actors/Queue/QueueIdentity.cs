// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Daf.Actors.Attribution;

namespace Daf.Actors.Queue;

/// <summary>What a queue reader needs to judge identity rules: the in-memory holder path and the actor that takes deferred packets.</summary>
/// <param name="Holders">Lock-free packet → holder images (<see cref="SocketHolderImages"/>).</param>
/// <param name="Attributor">The <see cref="PacketAttributionActor"/> of the reader's namespace.</param>
/// <param name="FirstLookup">
/// The reader's own socket lookup (a locator filling the shared flow cache), tried once when a packet's flow is not
/// cached, before the packet is deferred: the socket of a process that sends and exits at once is gone (unhashed)
/// a few microseconds later, too soon for any other thread. Rate-limited per uid by the locator; null to defer at once.
/// </param>
public sealed record QueueIdentity(IHolderImageSource Holders, IActorRef Attributor, ISocketLookup? FirstLookup = null)
{
    /// <summary>
    /// The attributors of the other namespaces rules name: a forwarded packet (NF_INET_FORWARD) is judged by the rules of
    /// the namespace its socket is in. Null: forwarded packets are judged by the daemon's rules (no socket, unattributed).
    /// </summary>
    public NamespaceRoutes? Foreign { get; init; }
}
