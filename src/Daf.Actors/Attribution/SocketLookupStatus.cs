// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Attribution;

/// <summary>The outcome of <see cref="SocketLocator.Lookup(in Daf.Interop.Packets.PacketHeaders, LocalSide, uint?)"/>.</summary>
public enum SocketLookupStatus : byte
{
    /// <summary>The socket was found (and cached).</summary>
    Found,
    /// <summary>No local socket of this namespace matches (closed, or the traffic is not local here).</summary>
    NotFound,
    /// <summary>The packet's uid (or the shared bucket) has no lookup token left: try again later or decide without an owner.</summary>
    RateLimited,
    /// <summary>Nothing the kernel exposes can tell the socket: a later fragment, an unparsed L4 header, ICMP
    /// other than echo with no raw socket listening, or another protocol with no raw socket.</summary>
    Unattributable,
}
