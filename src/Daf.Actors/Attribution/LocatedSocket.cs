// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Attribution;

/// <summary>
/// A local socket a packet belongs to. <see cref="Inode"/> is what /proc/PID/fd links name (socket:[inode]);
/// <see cref="Cookie"/> is the kernel's never-reused socket cookie (0 for ping and raw sockets, which
/// /proc/net does not show it for). <see cref="State"/> is the kernel's TCP_* state number.
/// </summary>
public readonly record struct LocatedSocket(ulong Inode, ulong Cookie, uint Uid, byte State, SocketKind Kind);
