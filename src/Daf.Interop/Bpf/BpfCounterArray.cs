// SPDX-License-Identifier: Apache-2.0
using System.Runtime.CompilerServices;
using Tmds.Linux;

namespace Daf.Interop.Bpf;

/// <summary>
/// An array map of u64 counters that eBPF programs update (atomically) and user space reads through a read-only
/// shared mapping (BPF_F_MMAPABLE): a read is one volatile load, no syscall. Programs that use it declare a
/// BPF_F_MMAPABLE array with __u32 keys and __u64 values and get it through
/// <see cref="BpfObject.Load(string, IReadOnlyDictionary{string, int})"/>; the map lives as long as this object,
/// whatever objects come and go. The kernel allocates it whole: 8 bytes a counter.
/// </summary>
public sealed unsafe class BpfCounterArray : IDisposable
{
    private ulong* _counters;
    private readonly nuint _mappedBytes;

    private BpfCounterArray(int fd, ulong* counters, nuint mappedBytes, int count)
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
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        uint elements = (uint)count;
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
        return new BpfCounterArray(fd, (ulong*)mapped, bytes, count);
    }

    /// <summary>Counter <paramref name="index"/> as the kernel last wrote it; 0 outside the array or once disposed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Read(int index)
    {
        ulong* counters = _counters;
        return (uint)index < (uint)Count && counters != null ? Volatile.Read(ref counters[index]) : 0;
    }

    /// <summary>
    /// Sets counter <paramref name="index"/> through the map's descriptor (a syscall): for tests and tools, never for
    /// the packet path.
    /// </summary>
    public void Write(int index, ulong value)
    {
        ObjectDisposedException.ThrowIf(FileDescriptor < 0, this);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        uint key = (uint)index;
        int result = LibBpf.bpf_map_update_elem(FileDescriptor, &key, &value, LibBpf.BPF_ANY);
        if (result < 0)
            throw new BpfException($"bpf_map_update_elem(counter array [{key}])", -result);
    }

    /// <summary>
    /// Unmaps and closes. Only when no other thread can still call <see cref="Read"/>: the daemon keeps the array for
    /// its whole life.
    /// </summary>
    public void Dispose()
    {
        ulong* counters = _counters;
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
