// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using Daf.Interop.Netlink;

namespace Daf.Interop.NfQueue;

/// <summary>
/// Reads NFQNL_MSG_PACKET messages. Bytes come from the kernel but are treated as untrusted: any length is
/// checked before it is used, and nothing here throws on malformed input.
/// </summary>
public static class NfQueuePacketParser
{
    public static readonly ushort PacketMessageType = NfGenMsg.MessageType(NfGenMsg.NFNL_SUBSYS_QUEUE, Nfqnl.NFQNL_MSG_PACKET);

    /// <summary>
    /// Parses one netlink message. <paramref name="baseOffset"/> is added to the payload and message offsets
    /// so they index the caller's buffer. Returns false for other messages and for a packet message without a
    /// complete NFQA_PACKET_HDR (there is then no id to give a verdict for).
    /// </summary>
    public static bool TryParse(in NetlinkMessage message, int baseOffset, out NfQueuePacket packet)
    {
        packet = default;
        if (message.Type != PacketMessageType || message.Bytes.Length < NlMsgHdr.Size + NfGenMsg.Size)
            return false;

        const int attributesStart = NlMsgHdr.Size + NfGenMsg.Size;
        var reader = new NlAttrReader(message.Bytes[attributesStart..]);
        bool hasHeader = false, hasCapLen = false;
        while (reader.TryRead(out ushort type, out ReadOnlySpan<byte> value, out int valueOffset, out _))
        {
            switch (type)
            {
                case Nfqnl.NFQA_PACKET_HDR when value.Length >= Nfqnl.PacketHdrSize:
                    packet.PacketId = BinaryPrimitives.ReadUInt32BigEndian(value);
                    packet.HwProtocol = BinaryPrimitives.ReadUInt16BigEndian(value[4..]);
                    packet.Hook = value[6];
                    hasHeader = true;
                    break;
                case Nfqnl.NFQA_MARK when value.Length >= 4:
                    packet.Mark = BinaryPrimitives.ReadUInt32BigEndian(value);
                    packet.HasMark = true;
                    break;
                case Nfqnl.NFQA_UID when value.Length >= 4:
                    packet.Uid = BinaryPrimitives.ReadUInt32BigEndian(value);
                    packet.HasUid = true;
                    break;
                case Nfqnl.NFQA_GID when value.Length >= 4:
                    packet.Gid = BinaryPrimitives.ReadUInt32BigEndian(value);
                    packet.HasGid = true;
                    break;
                case Nfqnl.NFQA_SKB_INFO when value.Length >= 4:
                    packet.SkbInfo = BinaryPrimitives.ReadUInt32BigEndian(value);
                    break;
                case Nfqnl.NFQA_CAP_LEN when value.Length >= 4:
                    packet.OriginalLength = BinaryPrimitives.ReadUInt32BigEndian(value);
                    hasCapLen = true;
                    break;
                case Nfqnl.NFQA_PAYLOAD:
                    packet.PayloadOffset = baseOffset + message.Offset + attributesStart + valueOffset;
                    packet.PayloadLength = value.Length;
                    // When our receive buffer cut the message short, nla_len still says how long the copy was.
                    if (!hasCapLen)
                        packet.OriginalLength = (uint)reader.DeclaredValueLength;
                    break;
            }
        }

        packet.MessageOffset = baseOffset + message.Offset;
        packet.MessageLength = message.Bytes.Length;
        return hasHeader;
    }

    /// <summary>
    /// Parses every message of one received datagram: packets are added to <paramref name="batch"/> (offsets
    /// relative to <paramref name="baseOffset"/>), NLMSG_ERROR messages carrying an error are counted with the
    /// last errno kept; anything else is skipped.
    /// </summary>
    public static void ParseDatagram(ReadOnlySpan<byte> datagram, int baseOffset, NfQueuePacketBatch batch,
        ref int kernelErrors, ref int lastKernelErrno)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var reader = new NetlinkMessageReader(datagram);
        while (reader.TryRead(out NetlinkMessage message))
        {
            if (message.Type == NlMsgHdr.NLMSG_ERROR)
            {
                if (NlMsgErr.TryParse(message.Payload, out int errno, out _) && errno != 0)
                {
                    kernelErrors++;
                    lastKernelErrno = errno;
                }
            }
            else if (TryParse(message, baseOffset, out NfQueuePacket packet))
            {
                batch.Add(packet);
            }
        }
    }
}
