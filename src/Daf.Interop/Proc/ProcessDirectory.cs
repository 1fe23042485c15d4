// SPDX-License-Identifier: Apache-2.0
using System.Globalization;
using Daf.Interop.Posix;

namespace Daf.Interop.Proc;

/// <summary>
/// An open /proc/PID directory. Everything is opened relative to it, so a PID reused by a new process after
/// this one exited cannot be confused with it: the kernel answers ESRCH/ENOENT through the old directory.
/// ESRCH and ENOENT are the expected "process gone" outcome and are returned, not thrown.
/// </summary>
public sealed class ProcessDirectory : IDisposable
{
    private readonly ReadOnlyFile _directory;

    private ProcessDirectory(ReadOnlyFile directory, int pid)
    {
        _directory = directory;
        Pid = pid;
    }

    public int Pid { get; }

    /// <summary>Opens /proc/<paramref name="pid"/>; ENOENT when no such process exists.</summary>
    public static bool TryOpen(int pid, out ProcessDirectory? directory, out PosixError error, string procRoot = "/proc")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pid);
        ArgumentNullException.ThrowIfNull(procRoot);
        directory = null;
        if (!ReadOnlyFile.TryOpen(procRoot + "/" + pid.ToString(CultureInfo.InvariantCulture), out ReadOnlyFile? file, out error))
            return false;
        directory = new ProcessDirectory(file!, pid);
        return true;
    }

    /// <summary>Opens /proc/PID/maps for reading line by line (see <see cref="ProcMapsReader"/>).</summary>
    public bool TryOpenMaps(out ProcMapsReader? reader, out PosixError error,
        int maxLines = ProcMapsReader.DefaultMaxLines, int maxLineLength = ProcMapsReader.DefaultMaxLineLength)
    {
        if (!ReadOnlyFile.TryOpenAt(_directory.Descriptor, "maps", Describe("maps"), out ReadOnlyFile? file, out error))
        {
            reader = null;
            return false;
        }
        reader = new ProcMapsReader(file!.Read, file, maxLines, maxLineLength);
        return true;
    }

    /// <summary>
    /// Opens /proc/PID/map_files/START-END: the very file mapped at that range, even when its path was replaced,
    /// deleted or belongs to another mount namespace. Needs CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE).
    /// ENOENT: no mapping starts and ends exactly there (any more), or the process is gone.
    /// </summary>
    public bool TryOpenMappedFile(ulong start, ulong end, out ReadOnlyFile? file, out PosixError error)
    {
        Span<char> name = stackalloc char[64];
        "map_files/".CopyTo(name);
        int length = "map_files/".Length;
        start.TryFormat(name[length..], out int written, "x", CultureInfo.InvariantCulture);
        length += written;
        name[length++] = '-';
        end.TryFormat(name[length..], out written, "x", CultureInfo.InvariantCulture);
        length += written;
        ReadOnlySpan<char> relative = name[..length];
        return ReadOnlyFile.TryOpenAt(_directory.Descriptor, relative, Describe(relative), out file, out error);
    }

    /// <summary>Reads /proc/PID/stat.</summary>
    public bool TryReadStatus(out ProcessStatus status, out PosixError error)
    {
        status = default;
        if (!ReadOnlyFile.TryOpenAt(_directory.Descriptor, "stat", Describe("stat"), out ReadOnlyFile? file, out error))
            return false;
        using (file)
        {
            Span<byte> buffer = stackalloc byte[1024];
            int length;
            try
            {
                length = file!.Read(buffer);
            }
            catch (PosixException e)
            {
                error = new PosixError(e.Operation, e.Errno);
                return false;
            }
            if (!ProcessStatus.TryParse(buffer[..length], out status))
            {
                error = new PosixError("parse(" + file!.Name + ")", Errno.EINVAL);
                return false;
            }
            return true;
        }
    }

    /// <summary>
    /// False once the process has exited (gone, zombie, or its address space released). A stat file that cannot
    /// be read for another reason says nothing, and the process counts as alive.
    /// </summary>
    public bool IsAlive() => TryReadStatus(out ProcessStatus status, out PosixError error)
        ? !status.HasExited
        : !error.IsNoSuchProcessOrFile;

    private string Describe(ReadOnlySpan<char> relative) => $"/proc/{Pid}/{relative}";

    public void Dispose() => _directory.Dispose();
}
