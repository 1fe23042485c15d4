// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.NfQueue;

/// <summary>
/// One queued packet as parsed from an NFQNL_MSG_PACKET message. The payload stays in the
/// receive buffer of the <see cref="NfQueuePacketBatch"/> that holds this value.
/// </summary>
public struct NfQueuePacket
{
    /// <summary>NFQA_PACKET_HDR packet_id (host order).</summary>
    public uint PacketId;
    /// <summary>NFQA_PACKET_HDR hw_protocol (host order), e.g. 0x0800 IPv4, 0x86DD IPv6.</summary>
    public ushort HwProtocol;
    /// <summary>NFQA_PACKET_HDR hook (NF_INET_LOCAL_IN=1, NF_INET_FORWARD=2, NF_INET_LOCAL_OUT=3 ...).</summary>
    public byte Hook;
    public bool HasMark;
    public uint Mark;
    public bool HasUid;
    public uint Uid;
    public bool HasGid;
    public uint Gid;
    /// <summary>NFQA_SKB_INFO flags (NFQA_SKB_CSUMNOTREADY=1, NFQA_SKB_GSO=2, NFQA_SKB_CSUM_NOTVERIFIED=4).</summary>
    public uint SkbInfo;
    /// <summary>NFQA_CAP_LEN: the packet's real length when the payload was truncated; else equals PayloadLength.</summary>
    public uint OriginalLength;
    /// <summary>Offset of NFQA_PAYLOAD's data inside the batch's buffer for this message.</summary>
    public int PayloadOffset;
    public int PayloadLength;
    /// <summary>Offset of this packet's whole netlink message (nlmsghdr first) inside the batch's buffer.</summary>
    public int MessageOffset;
    /// <summary>Bytes of that message present in the buffer.</summary>
    public int MessageLength;
}
