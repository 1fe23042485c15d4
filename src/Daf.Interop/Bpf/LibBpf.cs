// SPDX-License-Identifier: Apache-2.0
using System.Runtime.InteropServices;

#pragma warning disable CS8981 // libbpf's struct names

namespace Daf.Interop.Bpf;

/// <summary>
/// The libbpf 1.x calls we use. Pointer-returning calls return NULL and set errno (hence SetLastError);
/// int-returning calls return a negative errno.
/// </summary>
internal static unsafe partial class LibBpf
{
    private const string Library = "libbpf.so.1";

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint bpf_object__open_file(string path, nint opts);

    [LibraryImport(Library)]
    public static partial int bpf_object__load(nint obj);

    [LibraryImport(Library)]
    public static partial void bpf_object__close(nint obj);

    [LibraryImport(Library)]
    public static partial nint bpf_object__next_program(nint obj, nint prev);

    [LibraryImport(Library)]
    public static partial byte* bpf_program__name(nint prog);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint bpf_program__attach(nint prog);

    /// <summary>Attaches a cgroup program to the cgroup open at <paramref name="cgroupFd"/> through a BPF link (multi-attach).</summary>
    [LibraryImport(Library, SetLastError = true)]
    public static partial nint bpf_program__attach_cgroup(nint prog, int cgroupFd);

    /// <summary>enum bpf_prog_type of the program (BPF_PROG_TYPE_*).</summary>
    [LibraryImport(Library)]
    public static partial int bpf_program__type(nint prog);

    /// <summary>Before load: false leaves the program out of the load (and of attaching).</summary>
    [LibraryImport(Library)]
    public static partial int bpf_program__set_autoload(nint prog, [MarshalAs(UnmanagedType.U1)] bool autoload);

    [LibraryImport(Library)]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool bpf_program__autoload(nint prog);

    [LibraryImport(Library)]
    public static partial int bpf_program__fd(nint prog);

    [LibraryImport(Library)]
    public static partial int bpf_obj_get_info_by_fd(int fd, void* info, uint* infoLength);

    [LibraryImport(Library)]
    public static partial int bpf_prog_get_fd_by_id(uint id);

    [LibraryImport(Library)]
    public static partial int bpf_link__destroy(nint link);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint bpf_object__find_map_by_name(nint obj, string name);

    [LibraryImport(Library)]
    public static partial int bpf_map__fd(nint map);

    /// <summary>Makes the (not yet loaded) object use the existing map <paramref name="fd"/> instead of creating its own.</summary>
    [LibraryImport(Library)]
    public static partial int bpf_map__reuse_fd(nint map, int fd);

    public const int BPF_MAP_TYPE_ARRAY = 2;
    public const uint BPF_F_MMAPABLE = 1u << 10;

    /// <summary>Returns the new map's descriptor or a negative errno.</summary>
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int bpf_map_create(int mapType, string mapName, uint keySize, uint valueSize, uint maxEntries,
        bpf_map_create_opts* opts);

    /// <summary>struct bpf_map_create_opts of libbpf 1.x (sz first: libbpf accepts older and newer sizes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct bpf_map_create_opts
    {
        public nuint sz;
        public uint btf_fd;
        public uint btf_key_type_id;
        public uint btf_value_type_id;
        public uint btf_vmlinux_value_type_id;
        public uint inner_map_fd;
        public uint map_flags;
        public ulong map_extra;
        public uint numa_node;
        public uint map_ifindex;
    }

    [LibraryImport(Library)]
    public static partial int bpf_map_lookup_elem(int fd, void* key, void* value);

    public const ulong BPF_ANY = 0;

    [LibraryImport(Library)]
    public static partial int bpf_map_update_elem(int fd, void* key, void* value, ulong flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint ring_buffer__new(int mapFd, delegate* unmanaged<nint, nint, nuint, int> sampleCallback,
        nint context, nint opts);

    [LibraryImport(Library)]
    public static partial int ring_buffer__poll(nint ringBuffer, int timeoutMilliseconds);

    [LibraryImport(Library)]
    public static partial int ring_buffer__consume(nint ringBuffer);

    [LibraryImport(Library)]
    public static partial int ring_buffer__epoll_fd(nint ringBuffer);

    [LibraryImport(Library)]
    public static partial void ring_buffer__free(nint ringBuffer);

    /// <summary>-errno for a NULL (or error-encoded) pointer, 0 otherwise.</summary>
    [LibraryImport(Library)]
    public static partial nint libbpf_get_error(nint pointer);

    /// <summary>Replaces libbpf's printer (default: stderr); returns the previous one. The va_list arrives as a pointer on x86-64.</summary>
    [LibraryImport(Library)]
    public static partial nint libbpf_set_print(delegate* unmanaged<int, byte*, nint, int> printer);

    [LibraryImport("libc")]
    public static partial int vsnprintf(byte* buffer, nuint size, byte* format, nint arguments);

    /// <summary>errno of a pointer-returning call that gave NULL (never 0: a lost errno reads as EINVAL).</summary>
    public static int ErrnoOfNull()
    {
        int errno = Marshal.GetLastPInvokeError();
        return errno != 0 ? errno : Errno.EINVAL;
    }
}
