// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Attribution;

/// <summary>
/// A socket the kernel released a moment ago (<see cref="ReleasedSocketTable"/>). <see cref="Tgid"/> is the process that
/// dropped the last reference (0 when a kernel thread did); <see cref="ExpiresAt"/> is in Environment.TickCount64
/// milliseconds, like <see cref="FlowCacheEntry.ExpiresAt"/>.
/// </summary>
public readonly record struct ReleasedSocket(ulong Inode, ulong Cookie, int Tgid, byte Protocol, byte State, long ExpiresAt);
