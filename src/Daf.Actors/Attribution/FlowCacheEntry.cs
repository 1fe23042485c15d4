// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Attribution;

/// <summary>
/// A cached lookup: the socket (and every candidate for raw sockets, or when sockets released a moment ago had the flow
/// too) until <see cref="ExpiresAt"/> (Environment.TickCount64 milliseconds: a cheap coarse clock for the hot path).
/// <see cref="ReleasedOnly"/>: every candidate was released and sock_diag found no live socket when it was made; a new
/// socket may have taken the flow since, so only a packet that already went through the slow path may be judged by it
/// (<see cref="HolderImages.TrustsReleased"/>).
/// </summary>
public readonly record struct FlowCacheEntry(LocatedSocket Socket, LocatedSocket[]? Candidates, long ExpiresAt, bool ReleasedOnly = false);
