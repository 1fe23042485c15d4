// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.ProcNet;

/// <summary>
/// One line of /proc/net/{icmp,icmp6,raw,raw6}. IPv4 addresses are IPv4-mapped. For a ping socket the local
/// "port" is its echo identifier; for a raw socket it is the IP protocol it was opened with.
/// </summary>
public readonly record struct ProcNetSocketEntry(
    UInt128 LocalAddress, ushort LocalPort, UInt128 RemoteAddress, ushort RemotePort, byte State, uint Uid, ulong Inode);
