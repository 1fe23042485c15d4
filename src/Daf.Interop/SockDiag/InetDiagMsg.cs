// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Interop.SockDiag;

/// <summary>
/// struct inet_diag_msg, the fixed part of a SOCK_DIAG_BY_FAMILY reply (72 bytes; attributes may follow).
/// IPv4 addresses are IPv4-mapped. Source is the socket's local side.
/// </summary>
public readonly struct InetDiagMsg
{
    public const int Size = 4 + InetDiagSockId.Size + 20;

    /// <summary>idiag_family (AF_INET or AF_INET6: a dual-stack socket serving IPv4 says AF_INET6).</summary>
    public byte Family { get; init; }
    /// <summary>idiag_state (TCP_ESTABLISHED = 1 ... TCP_LISTEN = 10; UDP: 7 = unconnected, 1 = connected).</summary>
    public byte State { get; init; }
    public UInt128 LocalAddress { get; init; }
    public ushort LocalPort { get; init; }
    public UInt128 RemoteAddress { get; init; }
    public ushort RemotePort { get; init; }
    public uint InterfaceIndex { get; init; }
    /// <summary>idiag_cookie: the socket's unique, never reused cookie (SO_COOKIE, bpf_get_socket_cookie).</summary>
    public ulong Cookie { get; init; }
    public uint Uid { get; init; }
    /// <summary>idiag_inode: the sockfs inode that /proc/PID/fd/N links show as socket:[inode]; 0 for a socket with no file (e.g. a request socket).</summary>
    public uint Inode { get; init; }

    /// <summary>Reads the fixed part; false when the payload is shorter or the family is not AF_INET/AF_INET6.</summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out InetDiagMsg message)
    {
        message = default;
        if (payload.Length < Size)
            return false;
        byte family = payload[0];
        if (family is not (SockDiagConstants.AF_INET or SockDiagConstants.AF_INET6))
            return false;
        bool ipv4 = family == SockDiagConstants.AF_INET;
        ReadOnlySpan<byte> id = payload.Slice(4, InetDiagSockId.Size);
        ReadOnlySpan<byte> tail = payload[(4 + InetDiagSockId.Size)..];
        message = new InetDiagMsg
        {
            Family = family,
            State = payload[1],
            LocalPort = InetDiagSockId.ReadSourcePort(id),
            RemotePort = InetDiagSockId.ReadDestinationPort(id),
            LocalAddress = InetDiagSockId.ReadSource(id, ipv4),
            RemoteAddress = InetDiagSockId.ReadDestination(id, ipv4),
            InterfaceIndex = InetDiagSockId.ReadInterface(id),
            Cookie = InetDiagSockId.ReadCookie(id),
            Uid = BinaryPrimitives.ReadUInt32LittleEndian(tail[12..]),
            Inode = BinaryPrimitives.ReadUInt32LittleEndian(tail[16..]),
        };
        return true;
    }
}
