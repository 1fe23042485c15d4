// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Interop.Signatures;

/// <summary>The Internet checksum (RFC 1071): ones' complement sum of 16-bit big-endian words.</summary>
public static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> to a running 32-bit sum (an odd trailing byte is padded with zero).</summary>
    public static ulong Add(ulong sum, ReadOnlySpan<byte> data)
    {
        int i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            ulong word = BinaryPrimitives.ReadUInt64BigEndian(data[i..]);
            sum += (word >> 48) + ((word >> 32) & 0xFFFF) + ((word >> 16) & 0xFFFF) + (word & 0xFFFF);
        }
        for (; i + 2 <= data.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (i < data.Length)
            sum += (ulong)data[i] << 8;
        return sum;
    }

    /// <summary>Folds a running sum to 16 bits and complements it: the value to store in a checksum field.</summary>
    public static ushort Finish(ulong sum)
    {
        while (sum >> 16 != 0)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>Recomputes the IPv4 header checksum of <paramref name="header"/> (the whole IHL bytes) in place.</summary>
    public static void FixIpv4Header(Span<byte> header)
    {
        header[10] = 0;
        header[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], Finish(Add(0, header)));
    }

    /// <summary>
    /// Recomputes the TCP/UDP/ICMPv6 checksum at <paramref name="checksumOffset"/> of the upper-layer segment
    /// starting at <paramref name="upperLayerOffset"/>, with the IPv4 or IPv6 pseudo-header. A computed UDP
    /// checksum of 0 is sent as 0xFFFF (RFC 768).
    /// </summary>
    public static void FixUpperLayer(Span<byte> packet, int upperLayerOffset, byte protocol, int checksumOffset)
    {
        Span<byte> segment = packet[upperLayerOffset..];
        segment[checksumOffset] = 0;
        segment[checksumOffset + 1] = 0;
        ulong sum = Add(0, segment);
        if (protocol != Packets.IpProtocolNumbers.IPPROTO_ICMP)
            sum += PseudoHeaderSum(packet, protocol, segment.Length);
        ushort checksum = Finish(sum);
        if (checksum == 0 && protocol == Packets.IpProtocolNumbers.IPPROTO_UDP)
            checksum = 0xFFFF;
        BinaryPrimitives.WriteUInt16BigEndian(segment[checksumOffset..], checksum);
    }

    /// <summary>Sum of the pseudo-header (addresses, protocol, upper-layer length) of an IPv4 or IPv6 packet.</summary>
    public static ulong PseudoHeaderSum(ReadOnlySpan<byte> packet, byte protocol, int upperLayerLength)
    {
        ulong sum = (packet[0] >> 4) == 4 ? Add(0, packet.Slice(12, 8)) : Add(0, packet.Slice(8, 32));
        return sum + protocol + (ulong)upperLayerLength;
    }
}
