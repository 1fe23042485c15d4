// SPDX-License-Identifier: Apache-2.0
using System.Runtime.CompilerServices;
using Tmds.Linux;

namespace Daf.Interop.Bpf;

/// <summary>
/// An array map of u32 counters that eBPF programs update and user space reads through a read-only shared mapping
/// (BPF_F_MMAPABLE): a read is one volatile load, no syscall. The kernel pads array elements to 8 bytes, so the map
/// holds two counters per u64 element (counter i is the low half of element i/2 when i is even, the high half when
/// odd) and the mapping is a plain u32 array. Programs that use it declare a BPF_F_MMAPABLE array with __u64 values
/// and get it through <see cref="BpfObject.Load(string, IReadOnlyDictionary{string, int})"/>; the map lives as long
/// as this object, whatever objects come and go.
/// </summary>
public sealed unsafe class BpfCounterArray : IDisposable
{
    private uint* _counters;
    private readonly nuint _mappedBytes;

    private BpfCounterArray(int fd, uint* counters, nuint mappedBytes, int count)
    {
        FileDescriptor = fd;
        _counters = counters;
        _mappedBytes = mappedBytes;
        Count = count;
    }

    /// <summary>The map's descriptor (for <see cref="BpfObject.Load(string, IReadOnlyDictionary{string, int})"/>).</summary>
    public int FileDescriptor { get; private set; }

    /// <summary>Number of counters: indexes 0 to Count - 1.</summary>
    public int Count { get; }

    /// <summary>Creates the map (bpf_map_create) with room for <paramref name="count"/> counters and maps it read-only.</summary>
    public static BpfCounterArray Create(string name, int count)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 2);
        uint elements = (uint)((count + 1) / 2);
        var opts = new LibBpf.bpf_map_create_opts { sz = (nuint)sizeof(LibBpf.bpf_map_create_opts), map_flags = LibBpf.BPF_F_MMAPABLE };
        int fd = LibBpf.bpf_map_create(LibBpf.BPF_MAP_TYPE_ARRAY, name, sizeof(uint), sizeof(ulong), elements, &opts);
        if (fd < 0)
            throw new BpfException($"bpf_map_create({name}, BPF_MAP_TYPE_ARRAY, {elements} x u64, BPF_F_MMAPABLE)", -fd);
        nuint pageSize = (nuint)Environment.SystemPageSize;
        nuint bytes = ((nuint)elements * sizeof(ulong) + pageSize - 1) / pageSize * pageSize;
        void* mapped = LibC.mmap(null, (size_t)(ulong)bytes, LibC.PROT_READ, LibC.MAP_SHARED, fd, 0);
        if (mapped == LibC.MAP_FAILED)
        {
            int errno = LibC.errno;
            LibC.close(fd);
            throw new BpfException($"mmap(bpf map {name}, {bytes} bytes, PROT_READ, MAP_SHARED)", errno);
        }
        return new BpfCounterArray(fd, (uint*)mapped, bytes, 2 * (int)elements);
    }

    /// <summary>Counter <paramref name="index"/> as the kernel last wrote it; 0 outside the array or once disposed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Read(int index)
    {
        uint* counters = _counters;
        return (uint)index < (uint)Count && counters != null ? Volatile.Read(ref counters[index]) : 0;
    }

    /// <summary>
    /// Unmaps and closes. Only when no other thread can still call <see cref="Read"/>: the daemon keeps the array for
    /// its whole life.
    /// </summary>
    public void Dispose()
    {
        uint* counters = _counters;
        _counters = null;
        if (counters != null)
            LibC.munmap(counters, (size_t)(ulong)_mappedBytes);
        if (FileDescriptor >= 0)
        {
            LibC.close(FileDescriptor);
            FileDescriptor = -1;
        }
    }
}
