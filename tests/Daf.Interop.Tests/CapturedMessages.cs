// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Tests;

/// <summary>
/// Netlink messages captured from the kernel (6.18) with <see cref="LiveCaptureTests"/>: queue 5, in a test
/// namespace, traffic over loopback.
/// </summary>
internal static class CapturedMessages
{
    /// <summary>IPv4 UDP 127.0.0.1 -> 127.0.0.1:9555 "hello-ipv4", LOCAL_OUT, packet id 1, no UID/GID flag.</summary>
    public static readonly byte[] Ipv4Udp = Convert.FromHexString(
        "52000000000300000000000000000000020000050B000100000000010800030008000600000000012A000A00450000268ABE40004011B2067F0000017F00000195D92553001222F768656C6C6F2D69707634");

    /// <summary>IPv4 UDP "hello-uid" with NFQA_CFG_F_UID_GID: NFQA_UID 0 and NFQA_GID 0 present.</summary>
    public static readonly byte[] Ipv4UdpWithUidGid = Convert.FromHexString(
        "61000000000300000000000000000000020000050B000100000000010800030008000600000000010800100000000000080011000000000029000A00450000254AF840004011F1CD7F0000017F0000018255255300113CB868656C6C6F2D756964");

    /// <summary>IPv4 UDP with copy range 32 of a 66-byte packet: NFQA_CAP_LEN 66, 32 payload bytes.</summary>
    public static readonly byte[] Ipv4UdpTruncated = Convert.FromHexString(
        "54000000000300000000000000000000020000050B0001000000000108000300080006000000000108000D000000004224000A0045000042505640004011EC527F0000017F00000185B42553002E6EAD68656C6C");

    /// <summary>IPv6 TCP SYN ::1 -> ::1:9556 with UID/GID, LOCAL_OUT, 80-byte packet.</summary>
    public static readonly byte[] Ipv6TcpSyn = Convert.FromHexString(
        "8C0000000003000000000000000000000A0000050B0001000000000186DD030008000600000000010800100000000000080011000000000054000A00600EB894002806400000000000000000000000000000000100000000000000000000000000000001C4A2255478DFDD4E00000000A002FFC4676100000204FFC40402080A100C9693000000000103030A");

    /// <summary>NLMSG_ERROR ENOENT answering NFQNL_MSG_VERDICT for unknown id 12345 (sent without NLM_F_ACK).</summary>
    public static readonly byte[] VerdictError = Convert.FromHexString(
        "3400000002000000000000009C380000FEFFFFFF20000000010301000000000000000000000000050C0002000000000100003039");

    /// <summary>NLMSG_ERROR 0 (ack, NLM_F_CAPPED) for NFQNL_CFG_CMD_BIND queue 7, sequence 77.</summary>
    public static readonly byte[] BindAck = Convert.FromHexString(
        "24000000020000014D0000009C380000000000001C000000020305004D00000000000000");

    /// <summary>NLMSG_ERROR EOPNOTSUPP for NFQA_CFG_FLAGS F_CONNTRACK, sequence 78, the request echoed in full.</summary>
    public static readonly byte[] ConntrackFlagRefused = Convert.FromHexString(
        "38000000020000004E0000009C380000A1FFFFFF24000000020305004E000000000000000000000708000500000000020800040000000002");

    public static IEnumerable<byte[]> All => [Ipv4Udp, Ipv4UdpWithUidGid, Ipv4UdpTruncated, Ipv6TcpSyn, VerdictError, BindAck, ConntrackFlagRefused];
}
