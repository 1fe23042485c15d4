// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Interop.SockDiag;

/// <summary>
/// struct inet_diag_sockid: ports and addresses in network byte order (IPv4 in the first word), then the
/// interface index and the 64-bit socket cookie as two host-order words. 48 bytes.
/// </summary>
public static class InetDiagSockId
{
    public const int Size = 48;
    private const int SourceOffset = 4, DestinationOffset = 20, InterfaceOffset = 36, CookieOffset = 40;

    /// <summary>Writes a sockid; <paramref name="ipv4"/> stores only the low 32 bits of each address.</summary>
    public static void Write(Span<byte> destination, bool ipv4, UInt128 source, ushort sourcePort,
        UInt128 destinationAddress, ushort destinationPort, uint interfaceIndex, ulong cookie)
    {
        destination[..Size].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(destination, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], destinationPort);
        WriteAddress(destination[SourceOffset..], ipv4, source);
        WriteAddress(destination[DestinationOffset..], ipv4, destinationAddress);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[InterfaceOffset..], interfaceIndex);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[CookieOffset..], (uint)cookie);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[(CookieOffset + 4)..], (uint)(cookie >> 32));
    }

    public static ushort ReadSourcePort(ReadOnlySpan<byte> id) => BinaryPrimitives.ReadUInt16BigEndian(id);
    public static ushort ReadDestinationPort(ReadOnlySpan<byte> id) => BinaryPrimitives.ReadUInt16BigEndian(id[2..]);
    public static UInt128 ReadSource(ReadOnlySpan<byte> id, bool ipv4) => ReadAddress(id[SourceOffset..], ipv4);
    public static UInt128 ReadDestination(ReadOnlySpan<byte> id, bool ipv4) => ReadAddress(id[DestinationOffset..], ipv4);
    public static uint ReadInterface(ReadOnlySpan<byte> id) => BinaryPrimitives.ReadUInt32LittleEndian(id[InterfaceOffset..]);

    public static ulong ReadCookie(ReadOnlySpan<byte> id) =>
        BinaryPrimitives.ReadUInt32LittleEndian(id[CookieOffset..])
        | ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(id[(CookieOffset + 4)..]) << 32);

    private static void WriteAddress(Span<byte> destination, bool ipv4, UInt128 address)
    {
        if (ipv4)
            BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)address);
        else
            BinaryPrimitives.WriteUInt128BigEndian(destination, address);
    }

    /// <summary>IPv4 addresses come back IPv4-mapped, as <see cref="Packets.PacketHeaders"/> holds them.</summary>
    private static UInt128 ReadAddress(ReadOnlySpan<byte> source, bool ipv4) => ipv4
        ? Packets.PacketHeaderParser.MapIpv4(BinaryPrimitives.ReadUInt32BigEndian(source))
        : BinaryPrimitives.ReadUInt128BigEndian(source);
}
