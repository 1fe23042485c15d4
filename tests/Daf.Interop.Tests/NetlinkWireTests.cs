// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Netlink;
using Daf.Interop.NfQueue;

namespace Daf.Interop.Tests;

public sealed class NetlinkWireTests
{
    [Fact]
    public void Ack_names_the_sequence_of_its_request()
    {
        var reader = new NetlinkMessageReader(CapturedMessages.BindAck);
        Assert.True(reader.TryRead(out NetlinkMessage message));
        Assert.Equal(NlMsgHdr.NLMSG_ERROR, message.Type);

        Assert.True(NlMsgErr.TryParse(message.Payload, out int errno, out uint sequence));
        Assert.Equal(0, errno);
        Assert.Equal(77u, sequence);
        Assert.False(reader.TryRead(out _));
        Assert.False(reader.Malformed);
    }

    [Fact]
    public void Refusal_carries_the_positive_errno_and_sequence()
    {
        var reader = new NetlinkMessageReader(CapturedMessages.ConntrackFlagRefused);
        Assert.True(reader.TryRead(out NetlinkMessage message));

        Assert.True(NlMsgErr.TryParse(message.Payload, out int errno, out uint sequence));
        Assert.Equal(Errno.EOPNOTSUPP, errno);
        Assert.Equal(78u, sequence);
    }

    [Fact]
    public void Short_error_payload_is_rejected()
    {
        Assert.False(NlMsgErr.TryParse(CapturedMessages.BindAck.AsSpan(NlMsgHdr.Size, 10), out _, out _));
    }

    [Fact]
    public void Verdict_with_mark_has_the_uapi_layout()
    {
        Span<byte> buffer = stackalloc byte[64];
        int length = NfQueueSocket.WriteVerdict(buffer, 5, Nfqnl.NFQNL_MSG_VERDICT, 0x01020304, NfVerdict.NF_ACCEPT, withMark: true, 0x2A);

        Assert.Equal(
            "28000000" + "0103" + "0100" + "00000000" + "00000000" // nlmsghdr: len 40, 3<<8|1, NLM_F_REQUEST, seq 0, pid 0
            + "00000005"                                            // nfgenmsg: AF_UNSPEC, v0, queue 5 big-endian
            + "0C000200" + "00000001" + "01020304"                  // NFQA_VERDICT_HDR: verdict, id (big-endian)
            + "08000300" + "0000002A",                              // NFQA_MARK
            Convert.ToHexString(buffer[..length]));
    }

    [Fact]
    public void Batch_verdict_without_mark_has_the_uapi_layout()
    {
        Span<byte> buffer = stackalloc byte[64];
        int length = NfQueueSocket.WriteVerdict(buffer, 300, Nfqnl.NFQNL_MSG_VERDICT_BATCH, 9, NfVerdict.NF_DROP, withMark: false, 0);

        Assert.Equal("20000000" + "0303" + "0100" + "00000000" + "00000000" + "0000012C" + "0C000200" + "00000000" + "00000009",
            Convert.ToHexString(buffer[..length]));
    }

    [Fact]
    public void Attributes_are_padded_to_four_bytes()
    {
        Span<byte> buffer = stackalloc byte[32];
        buffer.Fill(0xFF);
        var writer = new NetlinkMessageWriter(buffer);
        writer.BeginMessage(1, 0, 0);
        writer.AppendAttribute(Nfqnl.NFQA_CFG_PARAMS, Nfqnl.ConfigParamsSize).Fill(0xAB);
        writer.EndMessage();

        Assert.Equal("0900" + "0200" + "ABABABABAB" + "000000", Convert.ToHexString(writer.Written[NlMsgHdr.Size..]));
        Assert.Equal(NlMsgHdr.Size + 12, writer.Written.Length);
    }

    [Fact]
    public void Attribute_reader_stops_at_a_length_below_the_header()
    {
        byte[] attributes = [8, 0, 1, 0, 1, 2, 3, 4, 2, 0, 5, 0];
        var reader = new NlAttrReader(attributes);

        Assert.True(reader.TryRead(out ushort type, out ReadOnlySpan<byte> value, out _, out _));
        Assert.Equal(1, type);
        Assert.Equal(4, value.Length);
        Assert.False(reader.TryRead(out _, out _, out _, out _));
        Assert.True(reader.Malformed);
    }
}
