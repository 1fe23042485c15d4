// SPDX-License-Identifier: Apache-2.0
using Sys = Tmds.Linux.LibC;

namespace Daf.Interop.Posix;

/// <summary>open(2) for a .NET path string: a raw descriptor, for the calls .NET file APIs do not offer (setns, ioctl, fsync of a directory).</summary>
internal static unsafe class PathOpen
{
    /// <exception cref="PosixException">open failed; the operation names the path (and <paramref name="flagsName"/> when given).</exception>
    internal static int Open(string path, int flags, string? flagsName = null)
    {
        int length = System.Text.Encoding.UTF8.GetByteCount(path);
        Span<byte> bytes = length < 512 ? stackalloc byte[length + 1] : new byte[length + 1];
        System.Text.Encoding.UTF8.GetBytes(path, bytes);
        bytes[length] = 0;
        fixed (byte* p = bytes)
        {
            int fd = Sys.open(p, flags | Sys.O_CLOEXEC, 0);
            if (fd < 0)
                throw PosixException.FromLastError(flagsName is null ? $"open({path})" : $"open({path}, {flagsName})");
            return fd;
        }
    }
}
