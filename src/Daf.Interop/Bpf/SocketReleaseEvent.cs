// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Interop.Bpf;

/// <summary>
/// struct daf_socket_event of bpf/daf_events.h: an IPv4/IPv6 TCP or UDP socket was released (cgroup/sock_release,
/// before the kernel unhashed it) by process <see cref="Pid"/>. Addresses are IPv6-sized in network order: an IPv4
/// address is the IPv4-mapped form (::ffff:a.b.c.d), as packet headers carry it; a wildcard or unset side is 0.
/// </summary>
public readonly record struct SocketReleaseEvent(
    uint Pid,
    ulong TimestampNanoseconds,
    uint ThreadId,
    ushort Family,
    byte Protocol,
    byte State,
    ushort LocalPort,
    ushort RemotePort,
    uint Flags,
    UInt128 LocalAddress,
    UInt128 RemoteAddress,
    ulong Inode,
    ulong Cookie,
    ulong NetnsCookie)
{
    /// <summary>sizeof(struct daf_socket_event).</summary>
    public const int Size = BpfEventHeader.Size + 72;

    public const ushort AF_INET = 2, AF_INET6 = 10;

    /// <summary>DAF_SOCKET_KERNEL_THREAD: a kernel thread dropped the last reference; <see cref="Pid"/> held nothing.</summary>
    public const uint DAF_SOCKET_KERNEL_THREAD = 1;

    public BpfEventKind Kind => BpfEventKind.SocketReleased;

    public bool ReleasedByKernelThread => (Flags & DAF_SOCKET_KERNEL_THREAD) != 0;

    /// <summary>Parses one ring-buffer record; false when it is not a well-formed socket event. Never throws.</summary>
    public static bool TryRead(ReadOnlySpan<byte> record, out SocketReleaseEvent socketEvent)
    {
        socketEvent = default;
        if (!BpfEventHeader.TryRead(record, out BpfEventHeader header) || header.Kind != BpfEventKind.SocketReleased
            || header.Length < Size || record.Length < Size)
            return false;
        ReadOnlySpan<byte> body = record[BpfEventHeader.Size..];
        ushort family = BinaryPrimitives.ReadUInt16LittleEndian(body[4..]);
        if (family is not (AF_INET or AF_INET6))
            return false;
        socketEvent = new SocketReleaseEvent(
            header.Pid,
            header.TimestampNanoseconds,
            BinaryPrimitives.ReadUInt32LittleEndian(body),
            family,
            body[6],
            body[7],
            BinaryPrimitives.ReadUInt16LittleEndian(body[8..]),
            BinaryPrimitives.ReadUInt16LittleEndian(body[10..]),
            BinaryPrimitives.ReadUInt32LittleEndian(body[12..]),
            Address(family, body.Slice(16, 16)),
            Address(family, body.Slice(32, 16)),
            BinaryPrimitives.ReadUInt64LittleEndian(body[48..]),
            BinaryPrimitives.ReadUInt64LittleEndian(body[56..]),
            BinaryPrimitives.ReadUInt64LittleEndian(body[64..]));
        return true;
    }

    /// <summary>IPv4: ::ffff:a.b.c.d, or 0 for the wildcard 0.0.0.0 (so that one wildcard key serves both families).</summary>
    private static UInt128 Address(ushort family, ReadOnlySpan<byte> bytes)
    {
        if (family == AF_INET6)
        {
            UInt128 v6 = BinaryPrimitives.ReadUInt128BigEndian(bytes);
            return v6 == Packets.PacketHeaderParser.MapIpv4(0) ? UInt128.Zero : v6;
        }
        uint v4 = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        return v4 == 0 ? UInt128.Zero : Packets.PacketHeaderParser.MapIpv4(v4);
    }
}
