// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Bpf;

/// <summary>A libbpf call failed: says which (with its object, program or map) and with which errno.</summary>
public sealed class BpfException(string operation, int errno)
    : Exception($"{operation} failed: errno {errno} ({Daf.Interop.Errno.Name(errno)})")
{
    public string Operation { get; } = operation;
    public int Errno { get; } = errno;
}
