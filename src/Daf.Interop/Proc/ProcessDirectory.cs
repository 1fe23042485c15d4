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
        Span<byte> name = stackalloc byte[MappedFileNameSize];
        name = MappedFileName(start, end, name);
        return ReadOnlyFile.TryOpenAt(_directory.Descriptor, name, Describe(name), out file, out error);
    }

    /// <summary>
    /// stat(2) of /proc/PID/map_files/START-END, which follows the link to the mapped file: its status without
    /// opening it (enough to find its digest in a cache). Same errors as <see cref="TryOpenMappedFile"/>.
    /// </summary>
    public unsafe bool TryGetMappedFileStatus(ulong start, ulong end, out FileStatus status, out PosixError error)
    {
        Span<byte> name = stackalloc byte[MappedFileNameSize];
        name = MappedFileName(start, end, name);
        Tmds.Linux.stat raw;
        int result;
        fixed (byte* p = name)
            result = Tmds.Linux.LibC.fstatat(_directory.Descriptor, p, &raw, 0);
        if (result < 0)
        {
            status = default;
            error = PosixError.FromLastError("stat(" + Describe(name) + ")");
            return false;
        }
        status = FileStatus.From(raw);
        error = default;
        return true;
    }

    private const int MappedFileNameSize = 48;

    /// <summary>"map_files/%lx-%lx" and a NUL, as the kernel names the links.</summary>
    private static Span<byte> MappedFileName(ulong start, ulong end, Span<byte> name)
    {
        "map_files/"u8.CopyTo(name);
        int length = "map_files/".Length;
        start.TryFormat(name[length..], out int written, "x", CultureInfo.InvariantCulture);
        length += written;
        name[length++] = (byte)'-';
        end.TryFormat(name[length..], out written, "x", CultureInfo.InvariantCulture);
        length += written;
        name[length++] = 0;
        return name[..length];
    }

    /// <summary>
    /// Lists the descriptors of the process that refer to sockets (cleared first): getdents64 over /proc/PID/fd and
    /// readlinkat of each entry into a small stack buffer, so memory stays constant whatever the table holds.
    /// A descriptor closed between listing and readlink is skipped. Needs ptrace access to the process (root).
    /// ENOENT/ESRCH: the process is gone.
    /// </summary>
    public unsafe bool TryReadSocketDescriptors(List<SocketDescriptor> sockets, out PosixError error)
    {
        ArgumentNullException.ThrowIfNull(sockets);
        sockets.Clear();
        if (!DirectoryStream.TryOpenAt(_directory.Descriptor, "fd\0"u8, Describe("fd"), out DirectoryStream? table, out error))
            return false;
        using (table)
        {
            Span<byte> name = stackalloc byte[12];
            Span<byte> link = stackalloc byte[SocketLink.MaxLength + 1];
            while (table!.TryReadNext(out ReadOnlySpan<byte> entry, out error))
            {
                if (!DecimalName.TryParse(entry, out int fd))
                    continue;
                entry.CopyTo(name);
                name[entry.Length] = 0;
                nint length;
                fixed (byte* n = name)
                fixed (byte* l = link)
                    length = Native.LibC.readlinkat(table.Descriptor, n, l, (nuint)link.Length);
                // Longer than the buffer: not a socket link (readlink(2) truncates silently).
                if (length > 0 && length < link.Length && SocketLink.TryParse(link[..(int)length], out ulong inode))
                    sockets.Add(new SocketDescriptor(fd, inode));
            }
            return error.Errno == 0;
        }
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

    private string Describe(ReadOnlySpan<byte> terminatedRelative) =>
        Describe(System.Text.Encoding.ASCII.GetString(terminatedRelative[..^1]));

    public void Dispose() => _directory.Dispose();
}
