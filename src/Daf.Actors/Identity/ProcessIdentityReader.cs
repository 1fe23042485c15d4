// SPDX-License-Identifier: Apache-2.0
using System.Text;
using Daf.Actors.Rules;
using Daf.Interop.Posix;
using Daf.Interop.Proc;

namespace Daf.Actors.Identity;

/// <summary>
/// Reads a process's identity: parses /proc/PID/maps, keeps the executable file-backed mappings (or all
/// file-backed ones, see <see cref="ProcessIdentityOptions.IncludeAllFileBacked"/>), and hashes each distinct
/// object through /proc/PID/map_files/START-END, i.e. the inode really mapped, whatever its path now names
/// or whichever mount namespace the process sees. Needs root. Thread-safe; digests come from the shared
/// <see cref="ObjectDigestCache"/>.
/// </summary>
public sealed class ProcessIdentityReader(ObjectDigestCache cache, ProcessIdentityOptions? options = null)
{
    private const string InMemoryFileError = "in-memory file (memfd or shared memory): its content can change after it was mapped";
    private const string WritableCodeError = "mapped writable and executable: the code can differ from the file";

    private static ReadOnlySpan<byte> Vdso => "[vdso]"u8;
    private static ReadOnlySpan<byte> Vsyscall => "[vsyscall]"u8;
    private static ReadOnlySpan<byte> Uprobes => "[uprobes]"u8;

    private readonly ObjectDigestCache _cache = cache ?? throw new ArgumentNullException(nameof(cache));

    public ProcessIdentityOptions Options { get; } = options ?? ProcessIdentityOptions.Default;

    public ObjectDigestCache Cache => _cache;

    /// <summary>The process's image, or <see cref="ProcessReadOutcome.Gone"/> when it does not exist or exits meanwhile. Never throws for what /proc says.</summary>
    /// <param name="generation">The process's generation counter, read before this call: stamped on the image.</param>
    public ProcessReadResult Read(int pid, ulong generation = 0)
    {
        if (pid <= 0)
            return ProcessReadResult.Failed(pid, $"{pid} is not a process id");
        if (!ProcessDirectory.TryOpen(pid, out ProcessDirectory? directory, out PosixError error))
            return error.IsNoSuchProcessOrFile ? ProcessReadResult.Gone(pid) : ProcessReadResult.Failed(pid, error.ToString());
        using (directory)
        {
            for (int attempt = 1; ; attempt++)
            {
                ProcessReadResult? result = TryRead(directory!, generation, lastAttempt: attempt >= Options.MaxAttempts);
                if (result != null)
                    return result;
            }
        }
    }

    /// <summary>One pass; null when a mapping vanished between reading the maps and opening it (read again).</summary>
    private ProcessReadResult? TryRead(ProcessDirectory directory, ulong generation, bool lastAttempt)
    {
        int pid = directory.Pid;
        List<Candidate> candidates;
        int malformed, mappings;
        bool truncated;
        try
        {
            if (!directory.TryOpenMaps(out ProcMapsReader? reader, out PosixError error, Options.MaxMappings))
                return error.IsNoSuchProcessOrFile ? ProcessReadResult.Gone(pid) : ProcessReadResult.Failed(pid, error.ToString());
            using (reader)
            {
                candidates = Collect(reader!);
                (malformed, mappings, truncated) = (reader!.MalformedLines, reader.Mappings, reader.Truncated);
            }
        }
        catch (PosixException e)
        {
            return e.Errno is Daf.Interop.Errno.ESRCH or Daf.Interop.Errno.ENOENT
                ? ProcessReadResult.Gone(pid) : ProcessReadResult.Failed(pid, e.Message);
        }

        if (mappings == 0 && malformed == 0)
        {
            // An empty map: a kernel thread (it runs kernel code only), or a process whose memory is gone.
            if (!directory.TryReadStatus(out ProcessStatus status, out PosixError statusError))
                return statusError.IsNoSuchProcessOrFile ? ProcessReadResult.Gone(pid) : ProcessReadResult.Failed(pid, statusError.ToString());
            if (status.IsKernelThread)
                return ProcessReadResult.Success(new ProcessImage(pid, [], isKernelThread: true) { Generation = generation });
            if (status.HasExited)
                return ProcessReadResult.Gone(pid);
            return lastAttempt ? ProcessReadResult.Failed(pid, $"/proc/{pid}/maps is empty for a live process") : null;
        }

        var objects = new MappedObject[candidates.Count];
        for (int i = 0; i < candidates.Count; i++)
        {
            Candidate candidate = candidates[i];
            if (candidate.Kind != CandidateKind.File)
            {
                objects[i] = new MappedObject(candidate.Path, candidate.Executable, null, candidate.Kind == CandidateKind.InMemoryFile
                    ? InMemoryFileError
                    : $"anonymous executable memory ({candidate.Count} mapping{(candidate.Count == 1 ? "" : "s")}): code not backed by a file cannot be hashed");
                continue;
            }
            // stat through the link is enough when the cache knows that version: no open, no read.
            ObjectDigestResult digest;
            if (directory.TryGetMappedFileStatus(candidate.Start, candidate.End, out FileStatus status, out _) &&
                _cache.TryGet(ObjectKey.From(status), out Sha256Digest cached))
                digest = ObjectDigestResult.Success(cached);
            else if (directory.TryOpenMappedFile(candidate.Start, candidate.End, out ReadOnlyFile? file, out PosixError error))
            {
                using (file)
                    digest = _cache.GetOrCompute(file!);
            }
            else
            {
                if (error.IsNoSuchProcessOrFile)
                {
                    if (!directory.IsAlive())
                        return ProcessReadResult.Gone(pid);
                    // Unmapped, split or merged since the maps were read: read them again.
                    if (!lastAttempt)
                        return null;
                }
                digest = ObjectDigestResult.Failure(error.ToString());
            }
            objects[i] = new MappedObject(candidate.Path, candidate.Executable, digest.Digest,
                digest.Error ?? (candidate.WritableCode ? WritableCodeError : null));
        }

        // A process that exits while its maps are read yields a cut-short list without any error.
        if (!directory.IsAlive())
            return ProcessReadResult.Gone(pid);
        return ProcessReadResult.Success(new ProcessImage(pid, objects, malformed, truncated) { Generation = generation });
    }

    private List<Candidate> Collect(ProcMapsReader reader)
    {
        var candidates = new List<Candidate>();
        var files = new Dictionary<(uint Major, uint Minor, ulong Inode), Candidate>();
        Dictionary<string, Candidate>? anonymous = null;
        bool includeAll = Options.IncludeAllFileBacked;
        while (reader.TryReadNext(out ProcMapsEntry entry))
        {
            bool executable = entry.IsExecutable;
            bool writableCode = executable && (entry.Permissions & ProcMapsPermissions.Write) != 0;
            if (entry.Inode == 0)
            {
                // [vdso] and [vsyscall] (and [uprobes], the kernel's copies of probed instructions) hold code the
                // running kernel supplies, the same for every process and not taken from any file the process
                // chose; they say nothing about the program. Made writable, they could hold anything.
                if (!executable || (IsKernelProvided(entry.Path) && !writableCode))
                    continue;
                string path = entry.Path.IsEmpty ? "[anonymous]" : Decode(entry.Path);
                anonymous ??= [];
                if (anonymous.TryGetValue(path, out Candidate? known))
                    known.Count++;
                else
                {
                    var candidate = new Candidate(path, CandidateKind.Anonymous, entry.Start, entry.End) { Executable = true };
                    anonymous.Add(path, candidate);
                    candidates.Add(candidate);
                }
                continue;
            }
            if (!executable && !includeAll)
                continue;
            var key = (entry.DeviceMajor, entry.DeviceMinor, entry.Inode);
            if (!files.TryGetValue(key, out Candidate? file))
            {
                file = new Candidate(entry.Path.IsEmpty ? "[unnamed]" : Decode(entry.Path),
                    IsInMemoryFile(entry.Path) ? CandidateKind.InMemoryFile : CandidateKind.File, entry.Start, entry.End);
                files.Add(key, file);
                candidates.Add(file);
            }
            file.Executable |= executable;
            file.WritableCode |= writableCode;
        }
        return candidates;
    }

    private static bool IsKernelProvided(ReadOnlySpan<byte> path) =>
        path.SequenceEqual(Vdso) || path.SequenceEqual(Vsyscall) || path.SequenceEqual(Uprobes);

    /// <summary>memfd_create files, shared anonymous memory (/dev/zero) and SysV shared memory: shmem files with no directory entry.</summary>
    private static bool IsInMemoryFile(ReadOnlySpan<byte> path) =>
        path.StartsWith("/memfd:"u8) ||
        path.SequenceEqual("/dev/zero (deleted)"u8) ||
        (path.StartsWith("/SYSV"u8) && path.EndsWith(" (deleted)"u8));

    private static string Decode(ReadOnlySpan<byte> path) => Encoding.UTF8.GetString(path);

    private enum CandidateKind
    {
        File,
        InMemoryFile,
        Anonymous,
    }

    private sealed class Candidate(string path, CandidateKind kind, ulong start, ulong end)
    {
        public string Path { get; } = path;
        public CandidateKind Kind { get; } = kind;
        /// <summary>The first mapping of the object: the range map_files opens it by.</summary>
        public ulong Start { get; } = start;
        public ulong End { get; } = end;
        public bool Executable { get; set; }
        public bool WritableCode { get; set; }
        public int Count { get; set; } = 1;
    }
}
