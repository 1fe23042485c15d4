// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using static Daf.Interop.Packets.IpProtocolNumbers;

namespace Daf.Interop.Signatures;

/// <summary>
/// Reads the layout of a whole IP packet (as NFQUEUE hands it over: exactly the IP total length) for signing
/// and verifying, and finds a DAF tag in it. Never throws and never reads past the span.
/// </summary>
public static class SignedPacketParser
{
    private const int Ipv4MinHeaderLength = 20;
    private const int Ipv6HeaderLength = 40;
    private const int TcpMinHeaderLength = 20;
    private const int MaxIpv6ExtensionHeaders = 8;
    private const byte IPOPT_END = 0, IPOPT_NOOP = 1;
    private const byte TCPOPT_EOL = 0, TCPOPT_NOP = 1;
    private const byte IPV6_TLV_PAD1 = 0;

    public static SignedPacketStatus Parse(ReadOnlySpan<byte> packet, out SignedPacketLayout layout)
    {
        layout = default;
        layout.ChecksumOffset = -1;
        layout.TagBodyOffset = -1;
        if (packet.IsEmpty)
            return SignedPacketStatus.Malformed;
        SignedPacketStatus status = (packet[0] >> 4) switch
        {
            4 => ParseIpv4(packet, ref layout),
            6 => ParseIpv6(packet, ref layout),
            _ => SignedPacketStatus.Malformed,
        };
        if (status != SignedPacketStatus.Ok)
            return status;

        ReadOnlySpan<byte> segment = packet[layout.UpperLayerOffset..];
        layout.UpperLayerLength = segment.Length;
        int checksumField = ChecksumField(layout.Protocol, layout.IpVersion);
        if (checksumField >= 0 && segment.Length >= checksumField + 2)
            layout.ChecksumOffset = layout.UpperLayerOffset + checksumField;
        if (layout.Protocol == IPPROTO_TCP && segment.Length >= TcpMinHeaderLength)
        {
            int tcpHeaderLength = (segment[12] >> 4) * 4;
            if (tcpHeaderLength >= TcpMinHeaderLength && tcpHeaderLength <= segment.Length)
            {
                layout.TcpHeaderLength = tcpHeaderLength;
                if (!ScanOptions(packet, layout.UpperLayerOffset + TcpMinHeaderLength, layout.UpperLayerOffset + tcpHeaderLength,
                        SignatureWire.TCPOPT_DAF_SIG, SignatureCarrier.TcpOption, ref layout))
                    return SignedPacketStatus.Malformed;
            }
        }
        return SignedPacketStatus.Ok;
    }

    /// <summary>Offset of the checksum inside the upper-layer header, or -1 for a protocol without a known one.</summary>
    public static int ChecksumField(byte protocol, byte ipVersion) => protocol switch
    {
        IPPROTO_TCP => 16,
        IPPROTO_UDP or IPPROTO_UDPLITE => 6,
        IPPROTO_ICMP when ipVersion == 4 => 2,
        IPPROTO_ICMPV6 when ipVersion == 6 => 2,
        _ => -1,
    };

    private static SignedPacketStatus ParseIpv4(ReadOnlySpan<byte> packet, ref SignedPacketLayout layout)
    {
        if (packet.Length < Ipv4MinHeaderLength)
            return SignedPacketStatus.Malformed;
        int headerLength = (packet[0] & 0x0F) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        if (headerLength < Ipv4MinHeaderLength || totalLength != packet.Length || headerLength > totalLength)
            return SignedPacketStatus.Malformed;
        int fragment = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
        if ((fragment & 0x3FFF) != 0) // MF or a fragment offset
            return SignedPacketStatus.Fragment;
        layout.IpVersion = 4;
        layout.Protocol = packet[9];
        layout.IpHeaderLength = headerLength;
        layout.NextHeaderFieldOffset = 9;
        layout.UpperLayerOffset = headerLength;
        return ScanOptions(packet, Ipv4MinHeaderLength, headerLength, SignatureWire.IPOPT_DAF_SIG, SignatureCarrier.Ipv4Option, ref layout)
            ? SignedPacketStatus.Ok
            : SignedPacketStatus.Malformed;
    }

    private static SignedPacketStatus ParseIpv6(ReadOnlySpan<byte> packet, ref SignedPacketLayout layout)
    {
        if (packet.Length < Ipv6HeaderLength)
            return SignedPacketStatus.Malformed;
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        if (payloadLength == 0 && packet.Length > Ipv6HeaderLength)
            return SignedPacketStatus.Unsupported; // jumbogram (RFC 2675)
        if (Ipv6HeaderLength + payloadLength != packet.Length)
            return SignedPacketStatus.Malformed;
        layout.IpVersion = 6;
        layout.IpHeaderLength = Ipv6HeaderLength;

        int nextHeaderField = 6;
        int offset = Ipv6HeaderLength;
        byte nextHeader = packet[nextHeaderField];
        bool lastWasDestinationOptions = false;
        for (int count = 0; ; count++)
        {
            if (nextHeader is not (IPPROTO_HOPOPTS or IPPROTO_ROUTING or IPPROTO_DSTOPTS or IPPROTO_FRAGMENT or IPPROTO_AH))
                break;
            if (count == MaxIpv6ExtensionHeaders)
                return SignedPacketStatus.Unsupported;
            if (nextHeader == IPPROTO_FRAGMENT)
                return SignedPacketStatus.Fragment;
            if (offset + 2 > packet.Length)
                return SignedPacketStatus.Malformed;
            int length = nextHeader == IPPROTO_AH ? (packet[offset + 1] + 2) * 4 : (packet[offset + 1] + 1) * 8;
            if (offset + length > packet.Length)
                return SignedPacketStatus.Malformed;
            if (nextHeader == IPPROTO_DSTOPTS && !ScanIpv6Options(packet, offset + 2, offset + length, ref layout))
                return SignedPacketStatus.Malformed;
            lastWasDestinationOptions = nextHeader == IPPROTO_DSTOPTS;
            nextHeaderField = offset;
            nextHeader = packet[offset];
            offset += length;
        }
        layout.Protocol = nextHeader;
        layout.NextHeaderFieldOffset = nextHeaderField;
        layout.HasFinalDestinationOptions = lastWasDestinationOptions;
        layout.UpperLayerOffset = offset;
        return SignedPacketStatus.Ok;
    }

    /// <summary>Walks IPv4 or TCP options (same encoding: 0 ends, 1 pads, others type-length-value).</summary>
    private static bool ScanOptions(ReadOnlySpan<byte> packet, int start, int end, byte tagType, SignatureCarrier carrier, ref SignedPacketLayout layout)
    {
        int i = start;
        while (i < end)
        {
            byte type = packet[i];
            if (type == IPOPT_END) // == TCPOPT_EOL
                return true;
            if (type == IPOPT_NOOP) // == TCPOPT_NOP
            {
                i++;
                continue;
            }
            if (i + 1 >= end)
                return false;
            int length = packet[i + 1];
            if (length < 2 || i + length > end)
                return false;
            if (type == tagType)
                NoteTag(packet, i + 2, length - 2, carrier, ref layout);
            i += length;
        }
        return true;
    }

    private static bool ScanIpv6Options(ReadOnlySpan<byte> packet, int start, int end, ref SignedPacketLayout layout)
    {
        int i = start;
        while (i < end)
        {
            byte type = packet[i];
            if (type == IPV6_TLV_PAD1)
            {
                i++;
                continue;
            }
            if (i + 2 > end)
                return false;
            int length = packet[i + 1];
            if (i + 2 + length > end)
                return false;
            if (type == SignatureWire.IPV6_TLV_DAF_SIG)
                NoteTag(packet, i + 2, length, SignatureCarrier.Ipv6DestinationOptions, ref layout);
            i += 2 + length;
        }
        return true;
    }

    private static void NoteTag(ReadOnlySpan<byte> packet, int bodyOffset, int bodyLength, SignatureCarrier carrier, ref SignedPacketLayout layout)
    {
        if (layout.Carrier != SignatureCarrier.None)
            return;
        if (bodyLength < 1 || SignatureWire.BodyLengthFor(packet[bodyOffset]) != bodyLength)
        {
            layout.HasUnknownTag = true;
            return;
        }
        layout.Carrier = carrier;
        layout.TagBodyOffset = bodyOffset;
        layout.TagBodyLength = bodyLength;
    }
}
