// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Posix;

namespace Daf.Interop.Proc;

/// <summary>
/// The thread groups (processes) of the system: the numeric entries of /proc. The top level of /proc lists only
/// thread-group leaders (threads live under /proc/PID/task), so each id is one process.
/// </summary>
public static class ThreadGroups
{
    /// <summary>Appends every thread-group id to <paramref name="tgids"/> (cleared first).</summary>
    /// <exception cref="PosixException">/proc cannot be opened or read.</exception>
    public static void List(List<int> tgids, string procRoot = "/proc")
    {
        ArgumentNullException.ThrowIfNull(tgids);
        tgids.Clear();
        if (!DirectoryStream.TryOpen(procRoot, out DirectoryStream? directory, out PosixError error))
            throw new PosixException(error.Operation, error.Errno);
        using (directory)
        {
            while (directory!.TryReadNext(out ReadOnlySpan<byte> name, out error))
            {
                if (DecimalName.TryParse(name, out int tgid) && tgid > 0)
                    tgids.Add(tgid);
            }
            if (error.Errno != 0)
                throw new PosixException(error.Operation, error.Errno);
        }
    }
}
