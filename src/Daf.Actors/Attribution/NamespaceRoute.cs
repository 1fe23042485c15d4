// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;

namespace Daf.Actors.Attribution;

/// <summary>Where the packets whose socket lives in another namespace (one rules name) are attributed.</summary>
/// <param name="Inode">The namespace's inode.</param>
/// <param name="Holders">The in-memory path from a packet to its holders, through the flow cache of the locator made
/// inside that namespace.</param>
/// <param name="Attributor">That namespace's <see cref="PacketAttributionActor"/>, the only user of the locator's slow path.</param>
public sealed record NamespaceRoute(ulong Inode, SocketHolderImages Holders, IActorRef Attributor);
