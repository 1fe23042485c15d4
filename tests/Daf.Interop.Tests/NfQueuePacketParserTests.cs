// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using System.Text;
using Daf.Interop.Netlink;
using Daf.Interop.NfQueue;

namespace Daf.Interop.Tests;

public sealed class NfQueuePacketParserTests
{
    private static NfQueuePacket ParseSingle(ReadOnlySpan<byte> datagram, int baseOffset = 0)
    {
        var reader = new NetlinkMessageReader(datagram);
        Assert.True(reader.TryRead(out NetlinkMessage message));
        Assert.True(NfQueuePacketParser.TryParse(message, baseOffset, out NfQueuePacket packet));
        return packet;
    }

    [Fact]
    public void Ipv4_udp_packet_yields_id_protocol_hook_and_payload()
    {
        byte[] bytes = CapturedMessages.Ipv4Udp;
        NfQueuePacket packet = ParseSingle(bytes);

        Assert.Equal(1u, packet.PacketId);
        Assert.Equal(0x0800, packet.HwProtocol);
        Assert.Equal(3, packet.Hook);
        Assert.Equal(38, packet.PayloadLength);
        Assert.Equal(38u, packet.OriginalLength);
        ReadOnlySpan<byte> ip = bytes.AsSpan(packet.PayloadOffset, packet.PayloadLength);
        Assert.Equal(0x45, ip[0]);
        Assert.Equal(17, ip[9]);
        Assert.Equal(9555, BinaryPrimitives.ReadUInt16BigEndian(ip[22..]));
        Assert.Equal("hello-ipv4", Encoding.ASCII.GetString(ip[28..]));
        Assert.Equal(0, packet.MessageOffset);
        Assert.Equal(bytes.Length, packet.MessageLength);
    }

    [Fact]
    public void Packet_without_uid_gid_flag_has_no_owner_and_no_mark()
    {
        NfQueuePacket packet = ParseSingle(CapturedMessages.Ipv4Udp);

        Assert.False(packet.HasUid);
        Assert.False(packet.HasGid);
        Assert.False(packet.HasMark);
        Assert.Equal(0u, packet.SkbInfo);
    }

    [Fact]
    public void Uid_and_gid_are_read_when_the_queue_asks_for_them()
    {
        NfQueuePacket packet = ParseSingle(CapturedMessages.Ipv4UdpWithUidGid);

        Assert.True(packet.HasUid);
        Assert.Equal(0u, packet.Uid);
        Assert.True(packet.HasGid);
        Assert.Equal(0u, packet.Gid);
        Assert.Equal("hello-uid", Encoding.ASCII.GetString(CapturedMessages.Ipv4UdpWithUidGid.AsSpan(packet.PayloadOffset + 28, packet.PayloadLength - 28)));
    }

    [Fact]
    public void Truncated_copy_range_reports_the_original_length_from_cap_len()
    {
        NfQueuePacket packet = ParseSingle(CapturedMessages.Ipv4UdpTruncated);

        Assert.Equal(32, packet.PayloadLength);
        Assert.Equal(66u, packet.OriginalLength);
    }

    [Fact]
    public void Ipv6_tcp_syn_is_parsed_with_its_protocol_and_owner()
    {
        byte[] bytes = CapturedMessages.Ipv6TcpSyn;
        NfQueuePacket packet = ParseSingle(bytes);

        Assert.Equal(0x86DD, packet.HwProtocol);
        Assert.Equal(3, packet.Hook);
        Assert.True(packet.HasUid);
        Assert.Equal(80, packet.PayloadLength);
        ReadOnlySpan<byte> ip = bytes.AsSpan(packet.PayloadOffset, packet.PayloadLength);
        Assert.Equal(6, ip[0] >> 4);
        Assert.Equal(6, ip[6]);
        Assert.Equal(9556, BinaryPrimitives.ReadUInt16BigEndian(ip[42..]));
        Assert.Equal(0x02, ip[40 + 13]);
    }

    [Fact]
    public void Offsets_are_relative_to_the_callers_buffer()
    {
        byte[] buffer = new byte[100 + CapturedMessages.Ipv4Udp.Length];
        CapturedMessages.Ipv4Udp.CopyTo(buffer, 100);
        NfQueuePacket packet = ParseSingle(buffer.AsSpan(100), baseOffset: 100);

        Assert.Equal(100, packet.MessageOffset);
        Assert.Equal("hello-ipv4", Encoding.ASCII.GetString(buffer, packet.PayloadOffset + 28, 10));
    }

    [Fact]
    public void Several_messages_in_one_datagram_are_all_parsed()
    {
        byte[] first = CapturedMessages.Ipv4Udp, second = CapturedMessages.Ipv4UdpWithUidGid;
        int secondOffset = NlMsgHdr.Align(first.Length);
        byte[] datagram = new byte[secondOffset + second.Length];
        first.CopyTo(datagram, 0);
        second.CopyTo(datagram, secondOffset);
        var batch = new NfQueuePacketBatch(1, 256);
        int errors = 0, lastErrno = 0;

        NfQueuePacketParser.ParseDatagram(datagram, 0, batch, ref errors, ref lastErrno);

        Assert.Equal(2, batch.Count);
        Assert.False(batch[0].HasUid);
        Assert.True(batch[1].HasUid);
        Assert.Equal(secondOffset, batch[1].MessageOffset);
        Assert.Equal("hello-uid", Encoding.ASCII.GetString(datagram, batch[1].PayloadOffset + 28, 9));
        Assert.Equal(0, errors);
    }

    [Fact]
    public void Message_cut_short_by_the_receive_buffer_still_yields_the_packet_id()
    {
        byte[] cut = CapturedMessages.Ipv4Udp.AsSpan(0, 60).ToArray();
        var reader = new NetlinkMessageReader(cut);
        Assert.True(reader.TryRead(out NetlinkMessage message));
        Assert.True(message.Truncated);

        Assert.True(NfQueuePacketParser.TryParse(message, 0, out NfQueuePacket packet));
        Assert.Equal(1u, packet.PacketId);
        Assert.Equal(60 - packet.PayloadOffset, packet.PayloadLength);
        Assert.Equal(38u, packet.OriginalLength);
    }

    [Fact]
    public void Message_without_packet_header_is_not_a_packet()
    {
        var batch = new NfQueuePacketBatch(1, 256);
        Span<byte> buffer = stackalloc byte[64];
        var writer = new NetlinkMessageWriter(buffer);
        writer.BeginMessage(NfQueuePacketParser.PacketMessageType, 0, 0);
        writer.AppendNfGenMsg(2, 5);
        writer.AppendUInt32BigEndian(Nfqnl.NFQA_MARK, 7);
        writer.EndMessage();
        int errors = 0, lastErrno = 0;

        NfQueuePacketParser.ParseDatagram(writer.Written, 0, batch, ref errors, ref lastErrno);

        Assert.Equal(0, batch.Count);
    }

    [Fact]
    public void Mark_and_skb_info_attributes_are_read()
    {
        Span<byte> buffer = stackalloc byte[128];
        var writer = new NetlinkMessageWriter(buffer);
        writer.BeginMessage(NfQueuePacketParser.PacketMessageType, 0, 0);
        writer.AppendNfGenMsg(2, 5);
        Span<byte> header = writer.AppendAttribute(Nfqnl.NFQA_PACKET_HDR, Nfqnl.PacketHdrSize);
        BinaryPrimitives.WriteUInt32BigEndian(header, 0xDEADBEEF);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], 0x86DD);
        header[6] = 2;
        writer.AppendUInt32BigEndian(Nfqnl.NFQA_MARK, 0x2A);
        writer.AppendUInt32BigEndian(Nfqnl.NFQA_SKB_INFO, Nfqnl.NFQA_SKB_GSO | Nfqnl.NFQA_SKB_CSUMNOTREADY);
        writer.EndMessage();

        NfQueuePacket packet = ParseSingle(writer.Written);

        Assert.Equal(0xDEADBEEFu, packet.PacketId);
        Assert.Equal(2, packet.Hook);
        Assert.True(packet.HasMark);
        Assert.Equal(0x2Au, packet.Mark);
        Assert.Equal(Nfqnl.NFQA_SKB_GSO | Nfqnl.NFQA_SKB_CSUMNOTREADY, packet.SkbInfo);
        Assert.Equal(0, packet.PayloadLength);
    }

    public static TheoryData<string, int, int> Replies => new()
    {
        { nameof(CapturedMessages.VerdictError), 1, Errno.ENOENT },
        { nameof(CapturedMessages.ConntrackFlagRefused), 1, Errno.EOPNOTSUPP },
        { nameof(CapturedMessages.BindAck), 0, 0 },
    };

    [Theory]
    [MemberData(nameof(Replies))]
    public void Error_replies_among_packets_are_counted_and_acks_are_not(string captured, int expectedErrors, int expectedErrno)
    {
        byte[] datagram = (byte[])typeof(CapturedMessages).GetField(captured)!.GetValue(null)!;
        var batch = new NfQueuePacketBatch(1, 256);
        int errors = 0, lastErrno = 0;

        NfQueuePacketParser.ParseDatagram(datagram, 0, batch, ref errors, ref lastErrno);

        Assert.Equal(0, batch.Count);
        Assert.Equal(expectedErrors, errors);
        Assert.Equal(expectedErrno, lastErrno);
    }
}
