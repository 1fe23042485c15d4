// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Namespaces;
using Daf.Interop.Netlink;
using static Daf.Interop.Packets.IpProtocolNumbers;

namespace Daf.Interop.SockDiag;

/// <summary>
/// A NETLINK_SOCK_DIAG socket of one network namespace doing exact inet_diag lookups (INET_DIAG_REQ_V2 with a
/// full sockid, every state, no cookie check) for TCP and UDP over IPv4 and IPv6. One thread at a time: a lookup
/// uses only stack buffers and allocates nothing unless it throws.
/// </summary>
/// <remarks>
/// The kernel answers an exact request during sendto(), so the reply is read with MSG_DONTWAIT.
/// TCP requests name the socket's own side as source (inet_diag_find_one_icsk); UDP requests name the packet's
/// remote side as source ("swapped for historical reasons" in udp_dump_one), and the kernel runs the same
/// __udp4/6_lib_lookup as packet delivery, so an unconnected socket bound to the wildcard address is found.
/// </remarks>
public sealed class SockDiagSocket : IDisposable
{
    private const int ReplyBufferBytes = 1024;
    private const int MaxStaleReplies = 8;
    private readonly NetlinkSocket _socket;
    private uint _sequence;

    private SockDiagSocket(NetlinkSocket socket) => _socket = socket;

    /// <summary>Opens the socket in the calling thread's network namespace.</summary>
    public static SockDiagSocket Open() => new(NetlinkSocket.Open(SockDiagConstants.NETLINK_SOCK_DIAG));

    /// <summary>The cookie of the namespace this socket serves (SO_NETNS_COOKIE; what bpf_get_netns_cookie() names it by).</summary>
    /// <exception cref="NetlinkException">getsockopt failed (kernels before 5.14).</exception>
    public ulong NetworkNamespaceCookie() => _socket.NetworkNamespaceCookie();

    /// <summary>Opens the socket in the namespace at <paramref name="nsPath"/> (/run/netns/NAME, /proc/PID/ns/net).</summary>
    public static SockDiagSocket OpenIn(string nsPath) => NetworkNamespace.RunIn(nsPath, Open);

    /// <summary>
    /// Finds the socket that owns (<paramref name="local"/>:<paramref name="localPort"/>,
    /// <paramref name="remote"/>:<paramref name="remotePort"/>) for <paramref name="protocol"/> (TCP or UDP).
    /// IPv4 traffic (IPv4-mapped addresses) is looked up as AF_INET: that also finds an AF_INET6 socket serving IPv4
    /// (dual-stack, ::ffff: peers), whose reply says AF_INET6. An AF_INET6 request with both addresses ::ffff:
    /// mapped runs the very same IPv4 lookup in the kernel (inet_diag_find_one_icsk, udp_dump_one), so no
    /// second request is made on a miss.
    /// </summary>
    /// <exception cref="NetlinkException">A failure other than ENOENT, naming the request and the errno.</exception>
    public InetDiagLookupStatus Lookup(byte protocol, UInt128 local, ushort localPort, UInt128 remote, ushort remotePort,
        out InetDiagMsg socket)
    {
        if (protocol is not (IPPROTO_TCP or IPPROTO_UDP))
            throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "sock_diag lookups serve TCP and UDP");
        byte family = IsIpv4Mapped(local) && IsIpv4Mapped(remote) ? SockDiagConstants.AF_INET : SockDiagConstants.AF_INET6;
        return Query(family, protocol, local, localPort, remote, remotePort, out socket);
    }

    private InetDiagLookupStatus Query(byte family, byte protocol, UInt128 local, ushort localPort, UInt128 remote,
        ushort remotePort, out InetDiagMsg socket)
    {
        uint sequence = ++_sequence;
        Span<byte> request = stackalloc byte[InetDiagReqV2.MessageSize];
        if (protocol == IPPROTO_TCP)
            InetDiagReqV2.WriteExactRequest(request, sequence, family, protocol, local, localPort, remote, remotePort);
        else
            InetDiagReqV2.WriteExactRequest(request, sequence, family, protocol, remote, remotePort, local, localPort);

        int errno = _socket.TrySend(request);
        if (errno != 0)
            throw new NetlinkException(Describe("sendto", family, protocol), errno);

        Span<byte> reply = stackalloc byte[ReplyBufferBytes];
        for (int attempt = 0; attempt < MaxStaleReplies; attempt++)
        {
            int received = _socket.TryReceive(reply);
            if (received < 0)
                throw new NetlinkException(Describe("recv", family, protocol), -received);
            switch (SockDiagReply.Parse(reply[..received], sequence, out socket, out errno))
            {
                case SockDiagReply.Kind.Message:
                    return InetDiagLookupStatus.Found;
                case SockDiagReply.Kind.Error when errno == Errno.ENOENT:
                    return InetDiagLookupStatus.NotFound;
                case SockDiagReply.Kind.Error:
                    throw new NetlinkException(Describe("SOCK_DIAG_BY_FAMILY", family, protocol), errno);
                case SockDiagReply.Kind.Malformed:
                    throw new NetlinkException(Describe("SOCK_DIAG_BY_FAMILY (malformed reply)", family, protocol), Errno.EIO);
            }
        }
        throw new NetlinkException(Describe("SOCK_DIAG_BY_FAMILY (no reply)", family, protocol), Errno.EIO);
    }

    private static bool IsIpv4Mapped(UInt128 address) => (address >> 32) == 0xFFFF;

    private static string Describe(string operation, byte family, byte protocol) =>
        $"{operation} inet_diag_req_v2 {(family == SockDiagConstants.AF_INET ? "AF_INET" : "AF_INET6")} {(protocol == IPPROTO_TCP ? "tcp" : "udp")}";

    public void Dispose() => _socket.Dispose();
}
