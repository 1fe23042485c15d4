// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Packets;

namespace Daf.Actors.Attribution;

/// <summary>The slow, rate-limited path from a packet to its local socket (<see cref="SocketLocator"/>): one thread only; a found socket is cached for the hot path.</summary>
public interface ISocketLookup
{
    SocketLookupResult Lookup(in PacketHeaders headers, LocalSide side, uint? uid);

    /// <summary>Memory only: the cache and the sockets released a moment ago (<see cref="ReleasedSocketTable"/>).</summary>
    SocketLookupResult LookupReleased(in PacketHeaders headers, LocalSide side) => SocketLookupResult.NotFound;

    /// <summary>Socket releases are being recorded and the tracker has not yet applied the events of the moment
    /// <paramref name="missedAtNanoseconds"/> (CLOCK_MONOTONIC) when <see cref="Lookup"/> missed: the socket may still
    /// turn up in <see cref="LookupReleased"/>.</summary>
    bool MayStillFindReleased(ulong missedAtNanoseconds) => false;
}
