// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Attribution;

/// <summary>
/// What a lookup found. <see cref="Socket"/> is meaningful only when <see cref="Status"/> is Found.
/// <see cref="Candidates"/> is set only when several raw sockets could own the packet (each raw socket of a
/// protocol receives every matching packet, and the kernel does not record which one sent a packet): it holds
/// all of them, <see cref="Socket"/> being the first; a verdict must consider every candidate's holders.
/// </summary>
public readonly record struct SocketLookupResult(SocketLookupStatus Status, LocatedSocket Socket, LocatedSocket[]? Candidates)
{
    public static SocketLookupResult NotFound => new(SocketLookupStatus.NotFound, default, null);
    public static SocketLookupResult RateLimited => new(SocketLookupStatus.RateLimited, default, null);
    public static SocketLookupResult Unattributable => new(SocketLookupStatus.Unattributable, default, null);
}
