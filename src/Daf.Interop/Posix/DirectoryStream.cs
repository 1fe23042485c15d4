// SPDX-License-Identifier: Apache-2.0
using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Sys = Tmds.Linux.LibC;

namespace Daf.Interop.Posix;

/// <summary>
/// The entries of an open directory, read with getdents64(2) into one pooled buffer of fixed size (no allocation
/// per entry, whatever the directory holds). Names are NUL-free spans into that buffer, valid until the next read.
/// </summary>
public sealed unsafe class DirectoryStream : IDisposable
{
    /// <summary>struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name.</summary>
    private const int NameOffset = 19, RecordLengthOffset = 16;
    private const int BufferSize = 32 * 1024;

    private int _fd;
    private byte[]? _buffer;
    private int _position, _end;
    private bool _endOfDirectory;

    private DirectoryStream(int fd, string name)
    {
        _fd = fd;
        Name = name;
        _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    }

    /// <summary>The path it was opened by, for messages.</summary>
    public string Name { get; }

    /// <summary>The directory's descriptor, for *at(2) calls relative to it.</summary>
    internal int Descriptor
    {
        get
        {
            int fd = Volatile.Read(ref _fd);
            ObjectDisposedException.ThrowIf(fd < 0, this);
            return fd;
        }
    }

    /// <summary>Opens <paramref name="path"/> as a directory; false with the errno of open(2).</summary>
    public static bool TryOpen(string path, out DirectoryStream? directory, out PosixError error)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Contains('\0'))
        {
            directory = null;
            error = new PosixError("open(" + path + ")", Errno.EINVAL);
            return false;
        }
        byte[] terminated = new byte[System.Text.Encoding.UTF8.GetByteCount(path) + 1];
        System.Text.Encoding.UTF8.GetBytes(path, terminated);
        return TryOpenAt(Sys.AT_FDCWD, terminated, path, out directory, out error);
    }

    /// <summary>openat(<paramref name="directoryFd"/>, NUL-terminated <paramref name="terminatedPath"/>, O_DIRECTORY).</summary>
    internal static bool TryOpenAt(int directoryFd, ReadOnlySpan<byte> terminatedPath, string name, out DirectoryStream? directory, out PosixError error)
    {
        int fd;
        fixed (byte* p = terminatedPath)
            fd = Sys.openat(directoryFd, p, Sys.O_RDONLY | Native.LibC.O_DIRECTORY | Sys.O_CLOEXEC, 0);
        if (fd < 0)
        {
            directory = null;
            error = PosixError.FromLastError("open(" + name + ")");
            return false;
        }
        directory = new DirectoryStream(fd, name);
        error = default;
        return true;
    }

    /// <summary>
    /// The next entry's name ("." and ".." included); false at the end. A directory that vanishes while it is read
    /// (a process that exits) ends like an empty one: its ENOENT/ESRCH is returned in <paramref name="error"/>.
    /// </summary>
    public bool TryReadNext(out ReadOnlySpan<byte> name, out PosixError error)
    {
        byte[] buffer = _buffer ?? throw new ObjectDisposedException(nameof(DirectoryStream));
        name = default;
        error = default;
        while (true)
        {
            if (_position < _end)
            {
                ReadOnlySpan<byte> record = buffer.AsSpan(_position, _end - _position);
                int recordLength = record.Length >= RecordLengthOffset + 2
                    ? BinaryPrimitives.ReadUInt16LittleEndian(record[RecordLengthOffset..]) : 0;
                if (recordLength <= NameOffset || recordLength > record.Length)
                {
                    // Not what the kernel writes: stop rather than read out of bounds.
                    _position = _end;
                    _endOfDirectory = true;
                    error = new PosixError("getdents64(" + Name + ")", Errno.EIO);
                    return false;
                }
                _position += recordLength;
                ReadOnlySpan<byte> field = record[NameOffset..recordLength];
                int nul = field.IndexOf((byte)0);
                name = nul < 0 ? field : field[..nul];
                return true;
            }
            if (_endOfDirectory)
                return false;
            nint count;
            fixed (byte* p = buffer)
                count = Native.LibC.getdents64(Descriptor, p, (nuint)BufferSize);
            if (count < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == Errno.EINTR)
                    continue;
                _endOfDirectory = true;
                error = new PosixError("getdents64(" + Name + ")", errno);
                return false;
            }
            if (count == 0)
            {
                _endOfDirectory = true;
                return false;
            }
            _position = 0;
            _end = (int)count;
        }
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
            Sys.close(fd);
        byte[]? buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer != null)
            ArrayPool<byte>.Shared.Return(buffer);
    }
}
