// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using static Daf.Interop.Packets.IpProtocolNumbers;

namespace Daf.Interop.Packets;

/// <summary>
/// Reads the IP and L4 headers of a raw IPv4 or IPv6 packet (as NFQA_PAYLOAD delivers it) into
/// <see cref="PacketHeaders"/>. Never throws and never reads past the span: on a truncated copy
/// (NFQNL_COPY_PACKET with a small range) it fills what the available bytes hold.
/// </summary>
public static class PacketHeaderParser
{
    private const int Ipv4MinHeaderLength = 20;
    private const int Ipv6HeaderLength = 40;
    private const int TcpFlagsOffset = 13;
    /// <summary>Bound on the IPv6 extension-header walk; a chain longer than this is left unresolved.</summary>
    public const int MaxIpv6ExtensionHeaders = 8;

    private static readonly UInt128 Ipv4MappedPrefix = (UInt128)0xFFFF_0000_0000UL;

    /// <summary>Parses the headers.</summary>
    /// <returns>
    /// False when the bytes are not an IP packet (unknown version, too short for the fixed header,
    /// inconsistent IPv4 header or total length). True otherwise, even when the L4 header was cut off:
    /// then <see cref="PacketHeaders.L4Offset"/> is -1 (or the ports are missing and
    /// <see cref="PacketHeaders.HasPorts"/> is false).
    /// An IPv6 extension-header chain that is truncated or longer than <see cref="MaxIpv6ExtensionHeaders"/>
    /// leaves <see cref="PacketHeaders.Protocol"/> at the last unresolved next-header value with no L4 header.
    /// </returns>
    public static bool TryParse(ReadOnlySpan<byte> packet, out PacketHeaders headers)
    {
        headers = default;
        headers.L4Offset = -1;
        if (packet.IsEmpty)
            return false;
        return (packet[0] >> 4) switch
        {
            4 => TryParseIpv4(packet, ref headers),
            6 => TryParseIpv6(packet, ref headers),
            _ => false,
        };
    }

    /// <summary>The IPv4-mapped IPv6 form (::ffff:a.b.c.d) of an IPv4 address given as the number a&lt;&lt;24 | b&lt;&lt;16 | c&lt;&lt;8 | d.</summary>
    public static UInt128 MapIpv4(uint address) => Ipv4MappedPrefix | address;

    private static bool TryParseIpv4(ReadOnlySpan<byte> packet, ref PacketHeaders headers)
    {
        if (packet.Length < Ipv4MinHeaderLength)
            return false;
        int headerLength = (packet[0] & 0x0F) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        // totalLength 0 is legal only for GSO/TSO super-packets, which the kernel hands over with the real
        // length in the skb; accept it rather than refuse the packet.
        if (headerLength < Ipv4MinHeaderLength || (totalLength != 0 && totalLength < headerLength))
            return false;

        headers.IpVersion = 4;
        headers.TotalLength = totalLength;
        headers.Protocol = packet[9];
        headers.Source = MapIpv4(BinaryPrimitives.ReadUInt32BigEndian(packet[12..]));
        headers.Destination = MapIpv4(BinaryPrimitives.ReadUInt32BigEndian(packet[16..]));

        int fragmentOffset = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x1FFF;
        if (fragmentOffset != 0)
        {
            headers.IsLaterFragment = true;
            return true;
        }
        if (headerLength <= packet.Length)
            ReadL4(packet, headerLength, ref headers);
        return true;
    }

    private static bool TryParseIpv6(ReadOnlySpan<byte> packet, ref PacketHeaders headers)
    {
        if (packet.Length < Ipv6HeaderLength)
            return false;

        headers.IpVersion = 6;
        headers.TotalLength = Ipv6HeaderLength + BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        headers.Source = BinaryPrimitives.ReadUInt128BigEndian(packet[8..]);
        headers.Destination = BinaryPrimitives.ReadUInt128BigEndian(packet[24..]);

        byte next = packet[6];
        int offset = Ipv6HeaderLength;
        for (int i = 0; i <= MaxIpv6ExtensionHeaders; i++)
        {
            headers.Protocol = next;
            if (next is not (IPPROTO_HOPOPTS or IPPROTO_ROUTING or IPPROTO_FRAGMENT or IPPROTO_DSTOPTS or IPPROTO_AH))
            {
                ReadL4(packet, offset, ref headers);
                return true;
            }
            if (i == MaxIpv6ExtensionHeaders || packet.Length - offset < 8)
                return true;

            ReadOnlySpan<byte> extension = packet[offset..];
            next = extension[0];
            if (headers.Protocol == IPPROTO_FRAGMENT)
            {
                offset += 8;
                if ((BinaryPrimitives.ReadUInt16BigEndian(extension[2..]) >> 3) != 0)
                {
                    headers.Protocol = next;
                    headers.IsLaterFragment = true;
                    return true;
                }
            }
            else if (headers.Protocol == IPPROTO_AH)
            {
                offset += (extension[1] + 2) * 4;
            }
            else
            {
                offset += (extension[1] + 1) * 8;
            }
        }
        return true;
    }

    private const int IcmpEchoHeaderLength = 8;
    public const byte ICMP_ECHOREPLY = 0, ICMP_ECHO = 8, ICMPV6_ECHO_REQUEST = 128, ICMPV6_ECHO_REPLY = 129;

    private static bool IsIcmpEcho(byte protocol, ReadOnlySpan<byte> l4) =>
        l4.Length >= IcmpEchoHeaderLength && protocol switch
        {
            IPPROTO_ICMP => l4[0] is ICMP_ECHO or ICMP_ECHOREPLY,
            IPPROTO_ICMPV6 => l4[0] is ICMPV6_ECHO_REQUEST or ICMPV6_ECHO_REPLY,
            _ => false,
        };

    private static void ReadL4(ReadOnlySpan<byte> packet, int offset, ref PacketHeaders headers)
    {
        if (offset > packet.Length)
            return;
        headers.L4Offset = offset;
        ReadOnlySpan<byte> l4 = packet[offset..];
        if (headers.Protocol is IPPROTO_ICMP or IPPROTO_ICMPV6 && !l4.IsEmpty)
            headers.IcmpType = l4[0];
        if (IsIcmpEcho(headers.Protocol, l4))
        {
            headers.HasIcmpEchoId = true;
            headers.IcmpEchoId = BinaryPrimitives.ReadUInt16BigEndian(l4[4..]);
            return;
        }
        if (!CarriesPorts(headers.Protocol) || l4.Length < 4)
            return;
        headers.HasPorts = true;
        headers.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(l4);
        headers.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(l4[2..]);
        if (headers.Protocol == IPPROTO_TCP && l4.Length > TcpFlagsOffset)
            headers.TcpFlags = l4[TcpFlagsOffset];
    }
}
