// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Netlink;
using Daf.Interop.NfQueue;
using Xunit.Abstractions;

namespace Daf.Interop.Tests;

/// <summary>
/// Captures messages from the running kernel, prints them as hex (how <see cref="CapturedMessages"/> was made)
/// and checks they still have the captured layout.
/// </summary>
public sealed class LiveCaptureTests(ITestOutputHelper output)
{
    [Fact]
    public void Live_ipv4_udp_message_has_the_captured_layout()
    {
        using var bed = new QueueBed();
        bed.Send("hello-ipv4");
        var packets = bed.ReceivePackets(1);
        Assert.Single(packets);
        byte[] live = bed.Batch.Message(0).ToArray();
        output.WriteLine("IPV4_UDP " + Convert.ToHexString(live));
        bed.Queue.SetVerdict(packets[0].Packet.PacketId, NfVerdict.NF_ACCEPT);

        var reader = new NetlinkMessageReader(CapturedMessages.Ipv4Udp);
        Assert.True(reader.TryRead(out NetlinkMessage message));
        Assert.True(NfQueuePacketParser.TryParse(message, 0, out NfQueuePacket captured));
        NfQueuePacket parsed = packets[0].Packet;
        Assert.Equal(CapturedMessages.Ipv4Udp.Length, live.Length);
        Assert.Equal(captured.HwProtocol, parsed.HwProtocol);
        Assert.Equal(captured.Hook, parsed.Hook);
        Assert.Equal(captured.PayloadLength, parsed.PayloadLength);
        Assert.Equal(captured.PayloadOffset, parsed.PayloadOffset - parsed.MessageOffset);
    }

    [Fact]
    public unsafe void Live_config_replies_have_the_captured_layout()
    {
        using var ns = new TestNetns();
        using NetlinkSocket socket = ns.RunIn(() => NetlinkSocket.Open(Native.LibC.NETLINK_NETFILTER));
        Span<byte> buffer = stackalloc byte[128];
        var writer = new NetlinkMessageWriter(buffer);
        const ushort acked = NlMsgHdr.NLM_F_REQUEST | NlMsgHdr.NLM_F_ACK;
        ushort config = NfGenMsg.MessageType(NfGenMsg.NFNL_SUBSYS_QUEUE, Nfqnl.NFQNL_MSG_CONFIG);
        writer.BeginMessage(config, acked, 77);
        writer.AppendNfGenMsg(0, 7);
        writer.AppendAttribute(Nfqnl.NFQA_CFG_CMD, Nfqnl.ConfigCmdSize)[0] = Nfqnl.NFQNL_CFG_CMD_BIND;
        writer.EndMessage();
        writer.BeginMessage(config, acked, 78);
        writer.AppendNfGenMsg(0, 7);
        writer.AppendUInt32BigEndian(Nfqnl.NFQA_CFG_FLAGS, (uint)NfqaCfgFlags.NFQA_CFG_F_CONNTRACK);
        writer.AppendUInt32BigEndian(Nfqnl.NFQA_CFG_MASK, (uint)NfqaCfgFlags.NFQA_CFG_F_CONNTRACK);
        writer.EndMessage();
        socket.Send(writer.Written, "capture");

        var batch = new NfQueuePacketBatch(4, 4096);
        var replies = new List<byte[]>();
        Span<bool> readable = stackalloc bool[1];
        for (int attempt = 0; attempt < 20 && replies.Count < 2; attempt++)
        {
            Posix.Poller.Wait([socket.FileDescriptor], readable, 100_000_000);
            int n = socket.ReceiveMany(batch.Headers, batch.Capacity);
            for (int i = 0; i < n; i++)
                replies.Add(batch.Datagram(i).ToArray());
        }

        Assert.Equal(2, replies.Count);
        output.WriteLine("CONFIG_REPLY " + Convert.ToHexString(replies[0]));
        output.WriteLine("CONFIG_REPLY " + Convert.ToHexString(replies[1]));
        AssertSameExceptPortId(CapturedMessages.BindAck, replies[0]);
        AssertSameExceptPortId(CapturedMessages.ConntrackFlagRefused, replies[1]);
    }

    private static void AssertSameExceptPortId(byte[] expected, byte[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        expected.AsSpan(12, 4).CopyTo(actual.AsSpan(12, 4));
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(actual));
    }
}
