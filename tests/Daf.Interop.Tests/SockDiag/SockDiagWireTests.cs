// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Packets;
using Daf.Interop.SockDiag;
using static Daf.Interop.Packets.IpProtocolNumbers;

namespace Daf.Interop.Tests.SockDiag;

/// <summary>Requests and replies against bytes captured from the kernel (ss-style exact lookup, 127.0.0.1:40000 → 127.0.0.1:5000).</summary>
public sealed class SockDiagWireTests
{
    // Reply to sequence 7: inet_diag_msg for the client socket (inode 619595, cookie 0x101e) plus
    // INET_DIAG_SHUTDOWN, INET_DIAG_CGROUP_ID, INET_DIAG_SOCKOPT and INET_DIAG_PROTOCOL attributes.
    internal static readonly byte[] FoundReply = Convert.FromHexString(
        "7c000000140000000700000092640000020100009c4013887f0000010000000000000000000000007f00000100000000000000000000" +
        "0000000000001e10000000000000000000000000000000000000000000004b740900050008000000000008000f00000000000c001500" +
        "01000000000000000600160052000000");

    // Reply to sequence 8: NLMSG_ERROR -ENOENT echoing the request.
    internal static readonly byte[] NotFoundReply = Convert.FromHexString(
        "5c000000020000000800000092640000feffffff4800000014000100080000000000000002060000ffffffff9c4113887f00000100" +
        "00000000000000000000007f00000100000000000000000000000000000000ffffffffffffffff");

    private static readonly UInt128 Loopback = PacketHeaderParser.MapIpv4(0x7F000001);

    [Fact]
    public void Exact_request_matches_the_bytes_the_kernel_accepted()
    {
        Span<byte> request = stackalloc byte[InetDiagReqV2.MessageSize];

        int written = InetDiagReqV2.WriteExactRequest(request, 8, SockDiagConstants.AF_INET, IPPROTO_TCP, Loopback, 40001, Loopback, 5000);

        // NLMSG_ERROR echoes the request after its 4-byte error.
        Assert.Equal(Convert.ToHexString(NotFoundReply.AsSpan(20, 0x48)), Convert.ToHexString(request[..written]));
    }

    [Fact]
    public void Found_reply_yields_inode_cookie_uid_state_and_the_local_side()
    {
        Assert.Equal(SockDiagReply.Kind.Message, SockDiagReply.Parse(FoundReply, 7, out InetDiagMsg m, out _));

        Assert.Equal(619595u, m.Inode);
        Assert.Equal(0x101eul, m.Cookie);
        Assert.Equal(0u, m.Uid);
        Assert.Equal(1, m.State);
        Assert.Equal(SockDiagConstants.AF_INET, m.Family);
        Assert.Equal(Loopback, m.LocalAddress);
        Assert.Equal(40000, m.LocalPort);
        Assert.Equal(Loopback, m.RemoteAddress);
        Assert.Equal(5000, m.RemotePort);
    }

    [Fact]
    public void Enoent_reply_is_an_error_with_its_errno()
    {
        Assert.Equal(SockDiagReply.Kind.Error, SockDiagReply.Parse(NotFoundReply, 8, out _, out int errno));
        Assert.Equal(Errno.ENOENT, errno);
    }

    [Fact]
    public void A_reply_to_another_request_is_ignored()
    {
        Assert.Equal(SockDiagReply.Kind.None, SockDiagReply.Parse(FoundReply, 8, out _, out _));
        Assert.Equal(SockDiagReply.Kind.None, SockDiagReply.Parse(NotFoundReply, 7, out _, out _));
    }

    [Fact]
    public void Truncated_replies_are_malformed()
    {
        for (int length = 17; length < FoundReply.Length; length++)
        {
            SockDiagReply.Kind kind = SockDiagReply.Parse(FoundReply.AsSpan(0, length), 7, out _, out _);
            Assert.Equal(SockDiagReply.Kind.Malformed, kind);
        }
    }

    [Fact]
    public void Garbage_input_never_throws()
    {
        var random = new Random(20261129);
        int messages = 0;
        for (int round = 0; round < 30_000; round++)
        {
            byte[] seed = random.Next(2) == 0 ? FoundReply : NotFoundReply;
            byte[] datagram = (round % 3) switch
            {
                0 => new byte[random.Next(0, 200)],
                1 => seed.AsSpan(0, random.Next(0, seed.Length + 1)).ToArray(),
                _ => (byte[])seed.Clone(),
            };
            if (round % 3 == 0)
                random.NextBytes(datagram);
            for (int m = random.Next(0, 6); m > 0 && datagram.Length > 0; m--)
                datagram[random.Next(datagram.Length)] = (byte)random.Next(256);

            SockDiagReply.Kind kind = SockDiagReply.Parse(datagram, seed == FoundReply ? 7u : 8u, out InetDiagMsg msg, out int errno);

            if (kind == SockDiagReply.Kind.Message)
            {
                messages++;
                Assert.True(msg.Family is SockDiagConstants.AF_INET or SockDiagConstants.AF_INET6);
            }
            Assert.True(kind == SockDiagReply.Kind.Error ? errno > 0 : errno == 0);
        }
        Assert.True(messages > 1000, $"only {messages} inputs parsed as messages: the generator no longer reaches the parser");
    }
}
