// SPDX-License-Identifier: Apache-2.0
using System.Runtime.InteropServices;
using Daf.Interop.Native;
using Sys = Tmds.Linux.LibC;

namespace Daf.Interop.Netlink;

/// <summary>
/// A raw netlink socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC) bound to a kernel-assigned port, created in the
/// calling thread's network namespace. NETLINK_NO_ENOBUFS stays off so that lost messages are reported.
/// </summary>
public sealed unsafe class NetlinkSocket : IDisposable
{
    private int _fd;

    private NetlinkSocket(int fd) => _fd = fd;

    public int FileDescriptor => _fd;

    public static NetlinkSocket Open(int protocol)
    {
        int fd = Sys.socket(Sys.AF_NETLINK, Sys.SOCK_RAW | Sys.SOCK_CLOEXEC, protocol);
        if (fd < 0)
            throw new NetlinkException("socket(AF_NETLINK)", Marshal.GetLastPInvokeError());

        var socket = new NetlinkSocket(fd);
        LibC.sockaddr_nl address = default;
        address.nl_family = LibC.AF_NETLINK;
        if (Sys.bind(fd, (Tmds.Linux.sockaddr*)&address, (uint)sizeof(LibC.sockaddr_nl)) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            socket.Dispose();
            throw new NetlinkException("bind(AF_NETLINK)", errno);
        }
        return socket;
    }

    /// <summary>SO_RCVBUFFORCE (needs CAP_NET_ADMIN), falling back to SO_RCVBUF; returns 0 or the errno.</summary>
    public int TrySetReceiveBuffer(int bytes)
    {
        if (Sys.setsockopt(_fd, Sys.SOL_SOCKET, Sys.SO_RCVBUFFORCE, &bytes, sizeof(int)) == 0)
            return 0;
        if (Sys.setsockopt(_fd, Sys.SOL_SOCKET, Sys.SO_RCVBUF, &bytes, sizeof(int)) == 0)
            return 0;
        return Marshal.GetLastPInvokeError();
    }

    /// <summary>Sends one datagram (one or more messages) to the kernel; throws naming <paramref name="operation"/>.</summary>
    /// <summary>
    /// SO_NETNS_COOKIE (Linux 5.14+): the never-reused cookie of the network namespace the socket was made in, the value
    /// eBPF's bpf_get_netns_cookie() gives for sockets of that namespace.
    /// </summary>
    /// <exception cref="NetlinkException">getsockopt failed (ENOPROTOOPT before 5.14).</exception>
    public ulong NetworkNamespaceCookie()
    {
        const int SO_NETNS_COOKIE = 71;
        ulong cookie = 0;
        Tmds.Linux.socklen_t length = sizeof(ulong);
        if (Sys.getsockopt(_fd, Sys.SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &length) != 0)
            throw new NetlinkException("getsockopt(SO_NETNS_COOKIE)", Marshal.GetLastPInvokeError());
        return cookie;
    }

    public void Send(ReadOnlySpan<byte> datagram, string operation)
    {
        int errno = TrySend(datagram);
        if (errno != 0)
            throw new NetlinkException(operation, errno);
    }

    /// <summary>Sends one datagram to the kernel; returns 0 or the errno. Allocates nothing.</summary>
    public int TrySend(ReadOnlySpan<byte> datagram)
    {
        LibC.sockaddr_nl kernel = default;
        kernel.nl_family = LibC.AF_NETLINK;
        fixed (byte* data = datagram)
        {
            while (true)
            {
                long sent = Sys.sendto(_fd, data, (Tmds.Linux.size_t)(uint)datagram.Length, 0, (Tmds.Linux.sockaddr*)&kernel, (uint)sizeof(LibC.sockaddr_nl));
                if (sent >= 0)
                    return 0;
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                    return errno;
            }
        }
    }

    /// <summary>recv(MSG_DONTWAIT) of one datagram into <paramref name="buffer"/>; returns its length, or minus the
    /// errno (EAGAIN when nothing is queued). A datagram longer than the buffer is cut (MSG_TRUNC is not asked).</summary>
    public int TryReceive(Span<byte> buffer)
    {
        fixed (byte* data = buffer)
        {
            while (true)
            {
                long n = Sys.recv(_fd, data, (Tmds.Linux.size_t)(uint)buffer.Length, Sys.MSG_DONTWAIT);
                if (n >= 0)
                    return (int)n;
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                    return -errno;
            }
        }
    }

    /// <summary>recvmmsg(MSG_DONTWAIT); returns the number of datagrams, or minus the errno.</summary>
    internal int ReceiveMany(LibC.mmsghdr* messages, int count)
    {
        int n = LibC.recvmmsg(_fd, messages, (uint)count, Sys.MSG_DONTWAIT, null);
        return n >= 0 ? n : -Marshal.GetLastPInvokeError();
    }

    /// <summary>Closes the socket; later calls do nothing.</summary>
    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
            Sys.close(fd);
    }
}
