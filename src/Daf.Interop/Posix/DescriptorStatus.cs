// SPDX-License-Identifier: Apache-2.0
using Sys = Tmds.Linux.LibC;

namespace Daf.Interop.Posix;

/// <summary>fstat(2) of a descriptor the process already has open (e.g. standard error).</summary>
public static unsafe class DescriptorStatus
{
    /// <summary>The descriptor's status; false (and no exception) when it is not open.</summary>
    public static bool TryGet(int fd, out FileStatus status)
    {
        Tmds.Linux.stat raw;
        if (Sys.fstat(fd, &raw) < 0)
        {
            status = default;
            return false;
        }
        status = FileStatus.From(raw);
        return true;
    }
}
