// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Proc;

/// <summary>Descriptor <see cref="Fd"/> of a process refers to the socket with inode <see cref="Inode"/>.</summary>
public readonly record struct SocketDescriptor(int Fd, ulong Inode);
