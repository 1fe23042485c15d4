// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Netlink;

/// <summary>A netlink syscall failed, or the kernel answered with an error: says which and with which errno.</summary>
public sealed class NetlinkException(string operation, int errno)
    : Exception($"{operation} failed: errno {errno} ({Daf.Interop.Errno.Name(errno)})")
{
    public string Operation { get; } = operation;
    public int Errno { get; } = errno;
}
