// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Packets;

namespace Daf.Actors.Attribution;

/// <summary>The slow, rate-limited path from a packet to its local socket (<see cref="SocketLocator"/>): one thread only; a found socket is cached for the hot path.</summary>
public interface ISocketLookup
{
    SocketLookupResult Lookup(in PacketHeaders headers, LocalSide side, uint? uid);
}
