// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using static Daf.Interop.Packets.IpProtocolNumbers;

namespace Daf.Interop.Signatures;

/// <summary>
/// Lowers the MSS option of a TCP SYN (or SYN-ACK) in place, as iptables' TCPMSS target does, so that the
/// peer's segments leave room for a signature tag. The TCP checksum is updated incrementally (RFC 1624).
/// </summary>
public static class TcpMssClamp
{
    private const byte TCPOPT_EOL = 0, TCPOPT_NOP = 1, TCPOPT_MAXSEG = 2;
    private const byte TCP_FLAG_SYN = 0x02;

    /// <summary>The MSS that keeps a signed segment within <paramref name="mtu"/>: the MTU minus the IP and TCP fixed headers and <paramref name="growth"/>.</summary>
    public static int MssFor(int mtu, byte ipVersion, int growth) => mtu - (ipVersion == 6 ? 60 : 40) - growth;

    /// <summary>
    /// Lowers the MSS option of a SYN to <paramref name="maxMss"/> when it is larger.
    /// </summary>
    /// <returns>True when the packet was changed; false for a non-SYN, a SYN without MSS option, an MSS already
    /// small enough, or bytes that are not a whole TCP/IP packet.</returns>
    public static bool TryClamp(Span<byte> packet, ushort maxMss)
    {
        if (SignedPacketParser.Parse(packet, out SignedPacketLayout layout) != SignedPacketStatus.Ok
            || layout.Protocol != IPPROTO_TCP || layout.TcpHeaderLength == 0 || layout.ChecksumOffset < 0)
            return false;
        Span<byte> tcp = packet.Slice(layout.UpperLayerOffset, layout.TcpHeaderLength);
        if ((tcp[13] & TCP_FLAG_SYN) == 0)
            return false;
        int i = 20;
        while (i < tcp.Length)
        {
            byte kind = tcp[i];
            if (kind == TCPOPT_EOL)
                return false;
            if (kind == TCPOPT_NOP)
            {
                i++;
                continue;
            }
            if (i + 1 >= tcp.Length || tcp[i + 1] < 2 || i + tcp[i + 1] > tcp.Length)
                return false;
            if (kind == TCPOPT_MAXSEG && tcp[i + 1] == 4)
            {
                ushort old = BinaryPrimitives.ReadUInt16BigEndian(tcp[(i + 2)..]);
                if (old <= maxMss)
                    return false;
                BinaryPrimitives.WriteUInt16BigEndian(tcp[(i + 2)..], maxMss);
                UpdateChecksum(tcp[16..18], (i & 1) == 0 ? old : Swap(old), (i & 1) == 0 ? maxMss : Swap(maxMss));
                return true;
            }
            i += tcp[i + 1];
        }
        return false;
    }

    // The MSS value sits at an even offset of the TCP header when the option starts at an even offset; at an odd
    // offset its bytes straddle two 16-bit words, which in ones' complement arithmetic equals the byte-swapped value.
    private static ushort Swap(ushort value) => (ushort)((value << 8) | (value >> 8));

    /// <summary>RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m').</summary>
    private static void UpdateChecksum(Span<byte> field, ushort oldWord, ushort newWord)
    {
        ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(field);
        uint sum = (uint)(ushort)~checksum + (ushort)~oldWord + newWord;
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(field, (ushort)~sum);
    }
}
