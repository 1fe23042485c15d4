// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using System.Net;

namespace Daf.Interop.Tests.Packets;

/// <summary>Hand-built IP packets for parser tests (checksums are not filled: the parser ignores them).</summary>
internal static class TestPackets
{
    public static byte[] Ipv4(byte protocol, string src, string dst, byte[] l4, int optionBytes = 0, ushort fragmentField = 0)
    {
        int headerLength = 20 + optionBytes;
        var packet = new byte[headerLength + l4.Length];
        packet[0] = (byte)(0x40 | (headerLength / 4));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), fragmentField);
        packet[8] = 64;
        packet[9] = protocol;
        IPAddress.Parse(src).GetAddressBytes().CopyTo(packet, 12);
        IPAddress.Parse(dst).GetAddressBytes().CopyTo(packet, 16);
        for (int i = 20; i < headerLength; i++)
            packet[i] = 1; // IPOPT_NOOP
        l4.CopyTo(packet, headerLength);
        return packet;
    }

    /// <summary>An IPv6 packet; <paramref name="extensions"/> are (type, body) pairs chained in order before the L4 header.</summary>
    public static byte[] Ipv6(byte protocol, string src, string dst, byte[] l4, params (byte Type, byte[] Header)[] extensions)
    {
        var body = new List<byte>();
        byte first = extensions.Length > 0 ? extensions[0].Type : protocol;
        for (int i = 0; i < extensions.Length; i++)
        {
            byte[] header = (byte[])extensions[i].Header.Clone();
            header[0] = i + 1 < extensions.Length ? extensions[i + 1].Type : protocol;
            body.AddRange(header);
        }
        body.AddRange(l4);
        var packet = new byte[40 + body.Count];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)body.Count);
        packet[6] = first;
        packet[7] = 64;
        IPAddress.Parse(src).GetAddressBytes().CopyTo(packet, 8);
        IPAddress.Parse(dst).GetAddressBytes().CopyTo(packet, 24);
        body.CopyTo(packet, 40);
        return packet;
    }

    /// <summary>A generic extension header (hop-by-hop, routing, destination options) of (hdrExtLen+1)*8 bytes.</summary>
    public static byte[] Options(int hdrExtLen)
    {
        var header = new byte[(hdrExtLen + 1) * 8];
        header[1] = (byte)hdrExtLen;
        return header;
    }

    public static byte[] Fragment(ushort offsetInUnits, bool moreFragments)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)((offsetInUnits << 3) | (moreFragments ? 1 : 0)));
        return header;
    }

    /// <summary>An authentication header with <paramref name="payloadLen"/> as in RFC 4302: (payloadLen+2)*4 bytes.</summary>
    public static byte[] Ah(int payloadLen)
    {
        var header = new byte[(payloadLen + 2) * 4];
        header[1] = (byte)payloadLen;
        return header;
    }

    public static byte[] Tcp(ushort sport, ushort dport, byte flags)
    {
        var tcp = new byte[20];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sport);
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(2), dport);
        tcp[12] = 5 << 4;
        tcp[13] = flags;
        return tcp;
    }

    public static byte[] Udp(ushort sport, ushort dport, int payload = 0)
    {
        var udp = new byte[8 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(udp, sport);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        return udp;
    }

    public static byte[] IcmpEcho() => [8, 0, 0, 0, 0, 1, 0, 1];

    public static UInt128 Address(string text)
    {
        var address = IPAddress.Parse(text);
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            address = address.MapToIPv6();
        return BinaryPrimitives.ReadUInt128BigEndian(address.GetAddressBytes());
    }
}
