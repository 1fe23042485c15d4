// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Attribution;

/// <summary>A cached lookup: the socket (and every candidate for raw sockets) until <see cref="ExpiresAt"/> (Environment.TickCount64 milliseconds: a cheap coarse clock for the hot path).</summary>
public readonly record struct FlowCacheEntry(LocatedSocket Socket, LocatedSocket[]? Candidates, long ExpiresAt);
