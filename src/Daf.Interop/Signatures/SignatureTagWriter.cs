// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using static Daf.Interop.Packets.IpProtocolNumbers;

namespace Daf.Interop.Signatures;

/// <summary>
/// Inserts an empty DAF tag into a copy of a packet and fixes the lengths; the caller fills the body and then
/// calls <see cref="FixChecksums"/>. Where each carrier goes:
/// <list type="bullet">
/// <item>IPv4 option: first, right after the 20-byte fixed header (before any existing option and its
/// end-of-list), IHL and total length grown.</item>
/// <item>IPv6: a new destination-options header right before the upper-layer header, the previous next-header
/// field pointing to it, payload length grown.</item>
/// <item>TCP option: first, right after the 20-byte fixed TCP header, data offset and IP length grown.</item>
/// </list>
/// </summary>
public static class SignatureTagWriter
{
    private const int MaxIpv4HeaderLength = 60;
    private const int MaxTcpHeaderLength = 60;
    private const int MaxIpLength = 65_535;

    /// <summary>Whether a tag (packet or app mode) fits <paramref name="carrier"/> in the packet <paramref name="layout"/> describes.</summary>
    public static SignatureInsertStatus CanInsert(in SignedPacketLayout layout, int packetLength, SignatureCarrier carrier, bool appMode)
    {
        int growth = SignatureWire.Growth(carrier, appMode);
        switch (carrier)
        {
            case SignatureCarrier.Ipv4Option:
                if (layout.IpVersion != 4)
                    return SignatureInsertStatus.WrongCarrier;
                if (layout.IpHeaderLength + growth > MaxIpv4HeaderLength)
                    return SignatureInsertStatus.NoOptionRoom;
                break;
            case SignatureCarrier.Ipv6DestinationOptions:
                if (layout.IpVersion != 6)
                    return SignatureInsertStatus.WrongCarrier;
                if (layout.HasFinalDestinationOptions)
                    return SignatureInsertStatus.Unsupported;
                break;
            case SignatureCarrier.TcpOption:
                if (layout.Protocol != IPPROTO_TCP || layout.TcpHeaderLength == 0)
                    return SignatureInsertStatus.WrongCarrier;
                if (layout.TcpHeaderLength + growth > MaxTcpHeaderLength)
                    return SignatureInsertStatus.NoOptionRoom;
                break;
            default:
                return SignatureInsertStatus.WrongCarrier;
        }
        if (packetLength - (layout.IpVersion == 6 ? 40 : 0) + growth > MaxIpLength)
            return SignatureInsertStatus.TooLong;
        return SignatureInsertStatus.Ok;
    }

    /// <summary>
    /// Copies <paramref name="packet"/> into <paramref name="output"/> with a tag inserted whose body is zero
    /// except its version/mode byte. Checksums are left stale. <paramref name="output"/> may start at the packet
    /// itself (in-place insertion, the bytes after the insertion point move up) but may not overlap it otherwise.
    /// </summary>
    /// <param name="tagBodyOffset">Offset of the inserted body in <paramref name="output"/>.</param>
    public static SignatureInsertStatus TryInsert(ReadOnlySpan<byte> packet, in SignedPacketLayout layout, SignatureCarrier carrier, bool appMode,
        Span<byte> output, out int written, out int tagBodyOffset)
    {
        written = 0;
        tagBodyOffset = -1;
        SignatureInsertStatus status = CanInsert(layout, packet.Length, carrier, appMode);
        if (status != SignatureInsertStatus.Ok)
            return status;
        int growth = SignatureWire.Growth(carrier, appMode);
        int bodyLength = SignatureWire.BodyLength(appMode);
        if (output.Length < packet.Length + growth)
            return SignatureInsertStatus.OutputTooSmall;
        if (output.Overlaps(packet, out int shift) && shift != 0)
            throw new ArgumentException("output must be the packet's own buffer or not overlap it", nameof(output));

        int at = carrier switch
        {
            SignatureCarrier.Ipv4Option => 20,
            SignatureCarrier.Ipv6DestinationOptions => layout.UpperLayerOffset,
            _ => layout.UpperLayerOffset + 20,
        };
        packet[..at].CopyTo(output);
        packet[at..].CopyTo(output[(at + growth)..]);
        Span<byte> tag = output.Slice(at, growth);
        tag.Clear();
        byte versionMode = (byte)((SignatureWire.Version << 4) | (appMode ? SignatureWire.ModeApp : SignatureWire.ModePacket));
        switch (carrier)
        {
            case SignatureCarrier.Ipv4Option:
                tag[0] = SignatureWire.IPOPT_DAF_SIG;
                tag[1] = (byte)growth;
                output[0] = (byte)(0x40 | ((layout.IpHeaderLength + growth) / 4));
                tagBodyOffset = at + 2;
                break;
            case SignatureCarrier.Ipv6DestinationOptions:
                tag[0] = layout.Protocol;
                tag[1] = (byte)(growth / 8 - 1);
                tag[2] = SignatureWire.IPV6_TLV_DAF_SIG;
                tag[3] = (byte)bodyLength;
                int padding = growth - 4 - bodyLength;
                if (padding >= 2)
                {
                    tag[4 + bodyLength] = 1; // PadN
                    tag[5 + bodyLength] = (byte)(padding - 2);
                } // a single byte of padding is Pad1 (0), already cleared
                output[layout.NextHeaderFieldOffset] = IPPROTO_DSTOPTS;
                tagBodyOffset = at + 4;
                break;
            default:
                tag[0] = SignatureWire.TCPOPT_DAF_SIG;
                tag[1] = (byte)growth;
                int tcp = layout.UpperLayerOffset;
                output[tcp + 12] = (byte)((((layout.TcpHeaderLength + growth) / 4) << 4) | (output[tcp + 12] & 0x0F));
                tagBodyOffset = at + 2;
                break;
        }
        output[tagBodyOffset] = versionMode;
        written = packet.Length + growth;
        if (layout.IpVersion == 4)
            BinaryPrimitives.WriteUInt16BigEndian(output[2..], (ushort)written);
        else
            BinaryPrimitives.WriteUInt16BigEndian(output[4..], (ushort)(written - 40));
        return SignatureInsertStatus.Ok;
    }

    /// <summary>
    /// After the body is filled: recomputes the IPv4 header checksum and, for a TCP-option tag, the TCP checksum
    /// (the only upper-layer checksum an insertion changes: IP-layer tags leave the pseudo-header as it was).
    /// </summary>
    public static void FixChecksums(Span<byte> packet, in SignedPacketLayout layout, SignatureCarrier carrier)
    {
        if (layout.IpVersion == 4)
            InternetChecksum.FixIpv4Header(packet[..layout.IpHeaderLength]);
        if (carrier == SignatureCarrier.TcpOption)
            InternetChecksum.FixUpperLayer(packet, layout.UpperLayerOffset, IPPROTO_TCP, 16);
    }
}
