// SPDX-License-Identifier: Apache-2.0
using System.Runtime.InteropServices;
using System.Text;
using Daf.Interop.Posix;
using Sys = Tmds.Linux.LibC;

namespace Daf.Interop.Systemd;

/// <summary>
/// The sd_notify(3) transport: one AF_UNIX datagram per state change to the socket named by
/// <c>$NOTIFY_SOCKET</c>, written without libsystemd. The name is a filesystem path (<c>/run/systemd/notify</c>)
/// or, when it starts with <c>@</c>, an abstract address (the <c>@</c> becomes the leading NUL byte).
/// </summary>
public sealed unsafe class NotifySocket : IDisposable
{
    private const ushort AF_UNIX = 1;
    /// <summary>struct sockaddr_un: sun_family (2 bytes), then sun_path[108].</summary>
    private const int SunPathOffset = 2, SunPathSize = 108;

    private readonly byte[] _address;
    private int _fd;

    private NotifySocket(int fd, byte[] address, string name)
    {
        _fd = fd;
        _address = address;
        Name = name;
    }

    /// <summary>The address as given (<c>$NOTIFY_SOCKET</c>).</summary>
    public string Name { get; }

    /// <summary>Opens a datagram socket for <paramref name="name"/>; null when the name is empty.</summary>
    /// <exception cref="ArgumentException">The name is not an absolute path or an abstract name, or is too long.</exception>
    /// <exception cref="PosixException">socket(2) failed.</exception>
    public static NotifySocket? Open(string? name)
    {
        if (string.IsNullOrEmpty(name)) return null;
        byte[] address = EncodeAddress(name);
        int fd = Sys.socket(Sys.AF_UNIX, Sys.SOCK_DGRAM | Sys.SOCK_CLOEXEC, 0);
        if (fd < 0)
            throw PosixException.FromLastError("socket(AF_UNIX, SOCK_DGRAM)");
        return new NotifySocket(fd, address, name);
    }

    /// <summary>
    /// struct sockaddr_un for <paramref name="name"/>, truncated to the length the kernel is given: a path
    /// carries its terminating NUL; an abstract name does not (every byte of it counts).
    /// </summary>
    internal static byte[] EncodeAddress(string name)
    {
        bool isAbstract = name[0] == '@';
        if (!isAbstract && name[0] != '/')
            throw new ArgumentException($"NOTIFY_SOCKET '{name}' is neither an absolute path nor an abstract name (@...)", nameof(name));
        int pathBytes = Encoding.UTF8.GetByteCount(name) + (isAbstract ? 0 : 1);
        if (pathBytes > SunPathSize)
            throw new ArgumentException($"NOTIFY_SOCKET '{name}' is longer than sun_path ({SunPathSize} bytes)", nameof(name));
        var address = new byte[SunPathOffset + pathBytes];
        address[0] = (byte)AF_UNIX; // sa_family_t, host order (little-endian here)
        address[1] = AF_UNIX >> 8;
        Encoding.UTF8.GetBytes(name, address.AsSpan(SunPathOffset));
        if (isAbstract) address[SunPathOffset] = 0;
        return address;
    }

    /// <summary>Sends one notification (e.g. <c>READY=1\nSTATUS=...</c>) as a single datagram.</summary>
    /// <exception cref="PosixException">sendto(2) failed (ECONNREFUSED: nobody listens; EAGAIN: the receiver is full).</exception>
    public void Send(ReadOnlySpan<byte> message)
    {
        fixed (byte* data = message)
        fixed (byte* address = _address)
        {
            while (true)
            {
                long sent = Sys.sendto(_fd, data, (Tmds.Linux.size_t)(uint)message.Length, Sys.MSG_NOSIGNAL | Sys.MSG_DONTWAIT,
                    (Tmds.Linux.sockaddr*)address, (uint)_address.Length);
                if (sent >= 0) return;
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                    throw new PosixException($"sendto({Name})", errno);
            }
        }
    }

    public void Dispose()
    {
        int old = Interlocked.Exchange(ref _fd, -1);
        if (old >= 0) Sys.close(old);
    }
}
