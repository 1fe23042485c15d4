// SPDX-License-Identifier: Apache-2.0
using System.Runtime.InteropServices;
using Sys = Tmds.Linux.LibC;

namespace Daf.Interop.Posix;

/// <summary>
/// A file opened O_RDONLY | O_NONBLOCK | O_CLOEXEC (O_NONBLOCK so that a FIFO never blocks the opener) with
/// sequential and positioned reads. Failures name the syscall, the file and the errno.
/// </summary>
public sealed unsafe class ReadOnlyFile : IDisposable
{
    private int _fd;

    private ReadOnlyFile(int fd, string name)
    {
        _fd = fd;
        Name = name;
    }

    /// <summary>The path it was opened by, for messages.</summary>
    public string Name { get; }

    /// <summary>Opens <paramref name="path"/>; false with the errno of open(2) when that fails.</summary>
    public static bool TryOpen(string path, out ReadOnlyFile? file, out PosixError error)
    {
        ArgumentNullException.ThrowIfNull(path);
        return TryOpenAt(Sys.AT_FDCWD, path, path, out file, out error);
    }

    /// <summary>openat(<paramref name="directoryFd"/>, <paramref name="relativePath"/>); <paramref name="name"/> is used in messages.</summary>
    internal static bool TryOpenAt(int directoryFd, ReadOnlySpan<char> relativePath, string name, out ReadOnlyFile? file, out PosixError error)
    {
        if (relativePath.Contains('\0'))
        {
            file = null;
            error = new PosixError("open(" + name + ")", Errno.EINVAL);
            return false;
        }
        int length = System.Text.Encoding.UTF8.GetByteCount(relativePath);
        byte[]? rented = length < 512 ? null : System.Buffers.ArrayPool<byte>.Shared.Rent(length + 1);
        Span<byte> path = rented ?? stackalloc byte[512];
        try
        {
            System.Text.Encoding.UTF8.GetBytes(relativePath, path);
            path[length] = 0;
            return TryOpenAt(directoryFd, path, name, out file, out error);
        }
        finally
        {
            if (rented != null)
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>openat with a NUL-terminated path.</summary>
    internal static bool TryOpenAt(int directoryFd, ReadOnlySpan<byte> terminatedPath, string name, out ReadOnlyFile? file, out PosixError error)
    {
        int fd;
        fixed (byte* p = terminatedPath)
            fd = Sys.openat(directoryFd, p, Sys.O_RDONLY | Sys.O_NONBLOCK | Sys.O_CLOEXEC, 0);
        if (fd < 0)
        {
            file = null;
            error = PosixError.FromLastError("open(" + name + ")");
            return false;
        }
        file = new ReadOnlyFile(fd, name);
        error = default;
        return true;
    }

    /// <summary>fstat(2) of the open file.</summary>
    public bool TryGetStatus(out FileStatus status, out PosixError error)
    {
        Tmds.Linux.stat raw;
        if (Sys.fstat(Descriptor, &raw) < 0)
        {
            status = default;
            error = PosixError.FromLastError("fstat(" + Name + ")");
            return false;
        }
        status = FileStatus.From(raw);
        error = default;
        return true;
    }

    /// <summary>read(2) from the current position; 0 at the end. Retries EINTR.</summary>
    /// <exception cref="PosixException">read failed.</exception>
    public int Read(Span<byte> destination)
    {
        fixed (byte* p = destination)
        {
            while (true)
            {
                long n = Sys.read(Descriptor, p, destination.Length);
                if (n >= 0)
                    return (int)n;
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                    throw new PosixException("read(" + Name + ")", errno);
            }
        }
    }

    /// <summary>pread(2) at <paramref name="offset"/>; 0 at the end. Retries EINTR.</summary>
    /// <exception cref="PosixException">pread failed.</exception>
    public int ReadAt(Span<byte> destination, long offset)
    {
        fixed (byte* p = destination)
        {
            while (true)
            {
                long n = Sys.pread(Descriptor, p, destination.Length, offset);
                if (n >= 0)
                    return (int)n;
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Errno.EINTR)
                    throw new PosixException("pread(" + Name + ")", errno);
            }
        }
    }

    internal int Descriptor
    {
        get
        {
            int fd = Volatile.Read(ref _fd);
            ObjectDisposedException.ThrowIf(fd < 0, this);
            return fd;
        }
    }

    public void Dispose() => DescriptorCounter.Close(ref _fd);
}
