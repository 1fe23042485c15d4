// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Posix;

/// <summary>A system call failed: says which one and with which errno.</summary>
public sealed class PosixException(string operation, int errno)
    : Exception($"{operation} failed: errno {errno} ({Daf.Interop.Errno.Name(errno)})")
{
    public string Operation { get; } = operation;
    public int Errno { get; } = errno;

    internal static PosixException FromLastError(string operation) =>
        new(operation, System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
}
