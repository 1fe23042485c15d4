// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Posix;

/// <summary>A system call that failed with an expected errno, returned instead of thrown (e.g. a process that exited).</summary>
public readonly record struct PosixError(string Operation, int Errno)
{
    /// <summary>ESRCH or ENOENT on a /proc/PID path: the process is gone (or the mapping was removed).</summary>
    public bool IsNoSuchProcessOrFile => Errno is Daf.Interop.Errno.ESRCH or Daf.Interop.Errno.ENOENT;

    public override string ToString() => $"{Operation} failed: errno {Errno} ({Daf.Interop.Errno.Name(Errno)})";

    internal static PosixError FromLastError(string operation) =>
        new(operation, System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
}
