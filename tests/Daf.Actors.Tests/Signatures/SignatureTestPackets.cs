// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Actors.Tests.Signatures;

/// <summary>
/// Builds IPv4/IPv6 TCP/UDP/ICMP packets of an exact size with correct checksums, and checks checksums, with a
/// deliberately naive Internet checksum (byte pairs, end-around carry each step) independent of the codec's.
/// </summary>
internal static class SignatureTestPackets
{
    public const byte Icmp = 1, Tcp = 6, Udp = 17, Icmpv6 = 58, Gre = 47;

    /// <summary>A packet of exactly <paramref name="totalLength"/> bytes. Below the fixed IP header, random bytes with the version nibble.</summary>
    public static byte[] Build(int version, byte protocol, int totalLength, Random rng, byte[]? tcpOptions = null, byte tcpFlags = 0x18,
        byte[]? ipv4Options = null)
    {
        var packet = new byte[totalLength];
        rng.NextBytes(packet);
        if (totalLength == 0)
            return packet;
        packet[0] = (byte)((version << 4) | (packet[0] & 0x0F));
        int header = version == 4 ? 20 + (ipv4Options?.Length ?? 0) : 40;
        if (totalLength < header)
            return packet;
        if (version == 4)
        {
            packet[0] = (byte)(0x40 | (header / 4));
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)totalLength);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), (ushort)(rng.Next(2) == 0 ? 0x4000 : 0)); // DF or not, no fragment
            packet[8] = 64;
            packet[9] = protocol;
            packet[12] = 10;
            packet[16] = 10;
            ipv4Options?.CopyTo(packet, 20);
        }
        else
        {
            packet[0] = (byte)(0x60 | (packet[0] & 0x0F));
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(totalLength - 40));
            packet[6] = protocol;
            packet[7] = 64;
            packet[8] = 0xFD;
            packet[24] = 0xFD;
        }
        Span<byte> l4 = packet.AsSpan(header);
        switch (protocol)
        {
            case Tcp when l4.Length >= 20:
                int optionLength = tcpOptions != null && l4.Length >= 20 + tcpOptions.Length ? tcpOptions.Length : 0;
                l4[12] = (byte)(((20 + optionLength) / 4) << 4);
                l4[13] = tcpFlags;
                if (optionLength > 0)
                    tcpOptions!.CopyTo(l4[20..]);
                break;
            case Udp when l4.Length >= 8:
                BinaryPrimitives.WriteUInt16BigEndian(l4[4..], (ushort)l4.Length);
                break;
            case Icmp or Icmpv6 when l4.Length >= 4:
                l4[0] = protocol == Icmp ? (byte)8 : (byte)128;
                l4[1] = 0;
                break;
        }
        FillChecksums(packet);
        return packet;
    }

    /// <summary>Recomputes the IPv4 header checksum and the L4 checksum (when its header is whole) of a packet.</summary>
    public static void FillChecksums(byte[] packet)
    {
        if (packet.Length < 20)
            return;
        int version = packet[0] >> 4;
        if (version == 4)
        {
            int ihl = (packet[0] & 0x0F) * 4;
            packet[10] = packet[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), Checksum(packet.AsSpan(0, ihl).ToArray()));
        }
        if (!TryLocateUpperLayer(packet, out int offset, out byte protocol))
            return;
        int field = ChecksumField(protocol, version, packet.Length - offset);
        if (field < 0)
            return;
        packet[offset + field] = packet[offset + field + 1] = 0;
        ushort value = Checksum(ChecksumInput(packet, offset, protocol));
        if (value == 0 && protocol == Udp)
            value = 0xFFFF;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(offset + field), value);
    }

    /// <summary>True when the IPv4 header checksum (if IPv4) and the L4 checksum (when its header is whole) verify.</summary>
    public static bool ChecksumsValid(byte[] packet)
    {
        int version = packet[0] >> 4;
        if (version == 4 && Checksum(packet.AsSpan(0, (packet[0] & 0x0F) * 4).ToArray()) != 0)
            return false;
        if (!TryLocateUpperLayer(packet, out int offset, out byte protocol))
            return true;
        int field = ChecksumField(protocol, version, packet.Length - offset);
        if (field < 0)
            return true;
        if (protocol == Udp && version == 4 && packet[offset + field] == 0 && packet[offset + field + 1] == 0)
            return true;
        return Checksum(ChecksumInput(packet, offset, protocol)) == 0;
    }

    public static bool TryLocateUpperLayer(byte[] packet, out int offset, out byte protocol)
    {
        if (packet[0] >> 4 == 4)
        {
            offset = (packet[0] & 0x0F) * 4;
            protocol = packet[9];
            return true;
        }
        offset = 40;
        protocol = packet[6];
        while (protocol is 0 or 43 or 60)
        {
            if (offset + 2 > packet.Length)
                return false;
            byte next = packet[offset];
            offset += (packet[offset + 1] + 1) * 8;
            protocol = next;
        }
        return offset <= packet.Length;
    }

    private static int ChecksumField(byte protocol, int version, int l4Length) => protocol switch
    {
        Tcp when l4Length >= 20 => 16,
        Udp when l4Length >= 8 => 6,
        Icmp when version == 4 && l4Length >= 4 => 2,
        Icmpv6 when version == 6 && l4Length >= 4 => 2,
        _ => -1,
    };

    private static byte[] ChecksumInput(byte[] packet, int offset, byte protocol)
    {
        var input = new List<byte>();
        int l4Length = packet.Length - offset;
        if (protocol != Icmp)
        {
            if (packet[0] >> 4 == 4)
                input.AddRange(packet.AsSpan(12, 8).ToArray());
            else
                input.AddRange(packet.AsSpan(8, 32).ToArray());
            input.AddRange(new byte[] { 0, protocol, (byte)(l4Length >> 8), (byte)l4Length });
        }
        input.AddRange(packet.AsSpan(offset).ToArray());
        return input.ToArray();
    }

    /// <summary>The Internet checksum, one 16-bit word at a time.</summary>
    public static ushort Checksum(byte[] data)
    {
        int sum = 0;
        for (int i = 0; i < data.Length; i += 2)
        {
            int word = (data[i] << 8) | (i + 1 < data.Length ? data[i + 1] : 0);
            sum += word;
            if (sum > 0xFFFF)
                sum = (sum & 0xFFFF) + 1;
        }
        return (ushort)~sum;
    }

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
}
