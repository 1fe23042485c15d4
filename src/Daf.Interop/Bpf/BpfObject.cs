// SPDX-License-Identifier: Apache-2.0
using System.Runtime.InteropServices;

namespace Daf.Interop.Bpf;

/// <summary>
/// A loaded eBPF object file with every program attached (libbpf's auto-attach by section name). Nothing is
/// pinned: the programs live as long as this object, and Dispose (or process exit) detaches them.
/// </summary>
public sealed unsafe class BpfObject : IDisposable
{
    private nint _object;
    private readonly List<nint> _links = [];
    private readonly List<string> _programs = [];
    private readonly List<uint> _programIds = [];

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

    /// <summary>Opens, loads (verifier) and attaches every program of <paramref name="path"/>.</summary>
    public static BpfObject Load(string path) => Load(path, null);

    /// <summary>
    /// Same, with the maps named in <paramref name="reusedMaps"/> taken from existing descriptors (bpf_map__reuse_fd)
    /// instead of created: a map that must outlive this object, or be sized at run time. The descriptors stay the
    /// caller's.
    /// </summary>
    public static BpfObject Load(string path, IReadOnlyDictionary<string, int>? reusedMaps)
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
            int result = LibBpf.bpf_object__load(obj);
            if (result < 0)
                throw new BpfException($"bpf_object__load({path})", -result);
            loaded.AttachAll();
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

    private void AttachAll()
    {
        for (nint program = LibBpf.bpf_object__next_program(_object, 0); program != 0;
             program = LibBpf.bpf_object__next_program(_object, program))
        {
            string name = Marshal.PtrToStringUTF8((nint)LibBpf.bpf_program__name(program)) ?? "?";
            nint link = LibBpf.bpf_program__attach(program);
            if (link == 0)
                throw new BpfException($"bpf_program__attach({name})", LibBpf.ErrnoOfNull());
            _links.Add(link);
            _programs.Add(name);
            _programIds.Add(ProgramId(program, name));
        }
    }
}
