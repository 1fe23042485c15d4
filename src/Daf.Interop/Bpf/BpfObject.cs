// SPDX-License-Identifier: Apache-2.0
using System.Runtime.InteropServices;

namespace Daf.Interop.Bpf;

/// <summary>
/// A loaded eBPF object file with every program attached (libbpf's auto-attach by section name; cgroup programs to
/// the cgroup given to <see cref="Load(string, string?)"/>, through BPF links). Nothing is pinned: the programs live
/// as long as this object, and Dispose (or process exit) destroys the links and detaches them.
/// </summary>
public sealed unsafe class BpfObject : IDisposable
{
    // enum bpf_prog_type: the cgroup-attached types (libbpf cannot auto-attach them: they need a cgroup).
    private const int BPF_PROG_TYPE_CGROUP_SKB = 8, BPF_PROG_TYPE_CGROUP_SOCK = 9, BPF_PROG_TYPE_SOCK_OPS = 13,
        BPF_PROG_TYPE_CGROUP_DEVICE = 15, BPF_PROG_TYPE_CGROUP_SOCK_ADDR = 18, BPF_PROG_TYPE_CGROUP_SYSCTL = 23,
        BPF_PROG_TYPE_CGROUP_SOCKOPT = 25;

    private nint _object;
    private readonly List<nint> _links = [];
    private readonly List<string> _programs = [];
    private readonly List<uint> _programIds = [];
    private readonly List<string> _skipped = [];

    private BpfObject(string path, nint obj)
    {
        Path = path;
        _object = obj;
    }

    public string Path { get; }

    /// <summary>Names of the attached programs, in object order.</summary>
    public IReadOnlyList<string> AttachedPrograms => _programs;

    /// <summary>Kernel ids of the attached programs (as `bpftool prog show id N` knows them), same order.</summary>
    public IReadOnlyList<uint> ProgramIds => _programIds;

    /// <summary>Cgroup programs left unattached, each as "name: reason" (no cgroup given, or the kernel refused).</summary>
    public IReadOnlyList<string> SkippedPrograms => _skipped;

    /// <summary>The program <paramref name="name"/> is attached.</summary>
    public bool IsAttached(string name) => _programs.Contains(name);

    /// <summary>Opens, loads (verifier) and attaches every program of <paramref name="path"/>.</summary>
    /// <param name="cgroupPath">The cgroup (a cgroup2 directory, e.g. the root from <see cref="Proc.Cgroup2Mount"/>) that
    /// cgroup programs attach to; null leaves them out of the load. A cgroup program the kernel refuses to attach is
    /// left out too (<see cref="SkippedPrograms"/>): the object's other programs do not depend on it.</param>
    public static BpfObject Load(string path, string? cgroupPath = null) => Load(path, null, cgroupPath);

    /// <summary>
    /// Same, with the maps named in <paramref name="reusedMaps"/> taken from existing descriptors (bpf_map__reuse_fd)
    /// instead of created: a map that must outlive this object, or be sized at run time. The descriptors stay the
    /// caller's.
    /// </summary>
    public static BpfObject Load(string path, IReadOnlyDictionary<string, int>? reusedMaps, string? cgroupPath = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        nint obj = LibBpf.bpf_object__open_file(path, 0);
        if (obj == 0)
            throw new BpfException($"bpf_object__open_file({path})", LibBpf.ErrnoOfNull());

        var loaded = new BpfObject(path, obj);
        try
        {
            foreach ((string name, int fd) in reusedMaps ?? new Dictionary<string, int>())
            {
                nint map = LibBpf.bpf_object__find_map_by_name(obj, name);
                if (map == 0)
                    throw new BpfException($"bpf_object__find_map_by_name({path}, {name})", Errno.ENOENT);
                int reused = LibBpf.bpf_map__reuse_fd(map, fd);
                if (reused < 0)
                    throw new BpfException($"bpf_map__reuse_fd({name}, {fd})", -reused);
            }
            if (cgroupPath is null)
                loaded.LeaveOutCgroupPrograms();
            int result = LibBpf.bpf_object__load(obj);
            if (result < 0)
                throw new BpfException($"bpf_object__load({path})", -result);
            loaded.AttachAll(cgroupPath);
            return loaded;
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    /// <summary>The descriptor of map <paramref name="name"/>, owned by this object (do not close it).</summary>
    public int MapFileDescriptor(string name)
    {
        ObjectDisposedException.ThrowIf(_object == 0, this);
        nint map = LibBpf.bpf_object__find_map_by_name(_object, name);
        if (map == 0)
            throw new BpfException($"bpf_object__find_map_by_name({Path}, {name})", Errno.ENOENT);
        int fd = LibBpf.bpf_map__fd(map);
        if (fd < 0)
            throw new BpfException($"bpf_map__fd({name})", -fd);
        return fd;
    }

    /// <summary>Reads a u64 value of an array map by index (e.g. the probe's `dropped` counter).</summary>
    public ulong ReadArrayU64(string mapName, uint index) => LookupU64(MapFileDescriptor(mapName), index, mapName);

    /// <summary>Same, by the map's descriptor (<see cref="MapFileDescriptor"/>): no name lookup, for frequent reads.</summary>
    public ulong ReadArrayU64(int mapFd, uint index)
    {
        ObjectDisposedException.ThrowIf(_object == 0, this);
        return LookupU64(mapFd, index, null);
    }

    private static ulong LookupU64(int mapFd, uint index, string? mapName)
    {
        ulong value = 0;
        int result = LibBpf.bpf_map_lookup_elem(mapFd, &index, &value);
        if (result < 0)
            throw new BpfException($"bpf_map_lookup_elem({mapName ?? $"map fd {mapFd}"}[{index}])", -result);
        return value;
    }

    /// <summary>
    /// True while the kernel holds program <paramref name="id"/> (anyone's). Dispose releases ours, but the kernel
    /// frees programs after an RCU grace period, so a check right after Dispose may still see it.
    /// </summary>
    public static bool IsProgramLoaded(uint id)
    {
        int fd = LibBpf.bpf_prog_get_fd_by_id(id);
        if (fd >= 0)
        {
            Tmds.Linux.LibC.close(fd);
            return true;
        }
        if (fd == -Errno.ENOENT)
            return false;
        throw new BpfException($"bpf_prog_get_fd_by_id({id})", -fd);
    }

    public void Dispose()
    {
        foreach (nint link in _links)
            LibBpf.bpf_link__destroy(link);
        _links.Clear();
        if (_object != 0)
        {
            LibBpf.bpf_object__close(_object);
            _object = 0;
        }
    }

    private static uint ProgramId(nint program, string name)
    {
        // struct bpf_prog_info begins { __u32 type; __u32 id; }: the kernel fills no more than we ask for.
        ulong typeAndId = 0;
        uint length = sizeof(ulong);
        int result = LibBpf.bpf_obj_get_info_by_fd(LibBpf.bpf_program__fd(program), &typeAndId, &length);
        if (result < 0)
            throw new BpfException($"bpf_obj_get_info_by_fd({name})", -result);
        return (uint)(typeAndId >> 32);
    }

    private static bool IsCgroupProgram(nint program) => LibBpf.bpf_program__type(program) is BPF_PROG_TYPE_CGROUP_SKB
        or BPF_PROG_TYPE_CGROUP_SOCK or BPF_PROG_TYPE_SOCK_OPS or BPF_PROG_TYPE_CGROUP_DEVICE
        or BPF_PROG_TYPE_CGROUP_SOCK_ADDR or BPF_PROG_TYPE_CGROUP_SYSCTL or BPF_PROG_TYPE_CGROUP_SOCKOPT;

    private static string NameOf(nint program) => Marshal.PtrToStringUTF8((nint)LibBpf.bpf_program__name(program)) ?? "?";

    private void LeaveOutCgroupPrograms()
    {
        for (nint program = LibBpf.bpf_object__next_program(_object, 0); program != 0;
             program = LibBpf.bpf_object__next_program(_object, program))
        {
            if (!IsCgroupProgram(program))
                continue;
            LibBpf.bpf_program__set_autoload(program, false);
            _skipped.Add($"{NameOf(program)}: no cgroup2 hierarchy to attach to");
        }
    }

    private void AttachAll(string? cgroupPath)
    {
        int cgroupFd = -1;
        try
        {
            for (nint program = LibBpf.bpf_object__next_program(_object, 0); program != 0;
                 program = LibBpf.bpf_object__next_program(_object, program))
            {
                if (!LibBpf.bpf_program__autoload(program))
                    continue;
                string name = NameOf(program);
                nint link;
                if (IsCgroupProgram(program))
                {
                    if (cgroupFd < 0)
                        cgroupFd = Posix.PathOpen.Open(cgroupPath!, Tmds.Linux.LibC.O_RDONLY | Tmds.Linux.LibC.O_DIRECTORY, "O_DIRECTORY");
                    link = LibBpf.bpf_program__attach_cgroup(program, cgroupFd);
                    if (link == 0)
                    {
                        _skipped.Add($"{name}: bpf_program__attach_cgroup({cgroupPath}) failed: {Errno.Name(LibBpf.ErrnoOfNull())}");
                        continue;
                    }
                }
                else
                {
                    link = LibBpf.bpf_program__attach(program);
                    if (link == 0)
                        throw new BpfException($"bpf_program__attach({name})", LibBpf.ErrnoOfNull());
                }
                _links.Add(link);
                _programs.Add(name);
                _programIds.Add(ProgramId(program, name));
            }
        }
        catch (Posix.PosixException e)
        {
            throw new BpfException(e.Operation, e.Errno);
        }
        finally
        {
            // The link keeps its own reference to the cgroup.
            if (cgroupFd >= 0)
                Tmds.Linux.LibC.close(cgroupFd);
        }
    }
}
