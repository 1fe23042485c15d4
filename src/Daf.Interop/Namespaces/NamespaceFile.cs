// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Native;
using Daf.Interop.Posix;
using Sys = Tmds.Linux.LibC;

namespace Daf.Interop.Namespaces;

/// <summary>
/// An open descriptor to a network namespace file (<c>/proc/PID/ns/net</c>, <c>/run/netns/NAME</c>). While it
/// is open the namespace cannot be freed, so its inode keeps naming the same namespace.
/// </summary>
public sealed unsafe class NamespaceFile : IDisposable
{
    private int _fd;

    /// <summary>The namespace's inode number (st_ino), which identifies it.</summary>
    public ulong Inode { get; }
    public string Path { get; }

    /// <summary>The open descriptor (-1 once disposed), for setns.</summary>
    internal int Descriptor => Volatile.Read(ref _fd);

    private NamespaceFile(int fd, ulong inode, string path)
    {
        _fd = fd;
        Inode = inode;
        Path = path;
    }

    /// <summary>Opens <paramref name="path"/> and checks that it refers to a network namespace.</summary>
    /// <exception cref="PosixException">open, fstat or ioctl(NS_GET_NSTYPE) failed; EINVAL when the file is not a namespace at all.</exception>
    /// <exception cref="InvalidDataException">The file is a namespace of another type (mount, pid ...).</exception>
    public static NamespaceFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        int fd = PathOpen.Open(path, Sys.O_RDONLY);
        try
        {
            Tmds.Linux.stat status;
            if (Sys.fstat(fd, &status) < 0)
                throw PosixException.FromLastError("fstat(" + path + ")");
            int type = LibC.ioctl(fd, LibC.NS_GET_NSTYPE);
            if (type < 0)
                throw PosixException.FromLastError("ioctl(" + path + ", NS_GET_NSTYPE)");
            if (type != LibC.CLONE_NEWNET)
                throw new InvalidDataException($"{path} is not a network namespace (namespace type 0x{type:x})");
            return new NamespaceFile(fd, status.st_ino, path);
        }
        catch
        {
            Sys.close(fd);
            throw;
        }
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
            Sys.close(fd);
    }
}
