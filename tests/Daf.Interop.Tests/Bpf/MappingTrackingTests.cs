// SPDX-License-Identifier: Apache-2.0
using System.Text.Json;
using Daf.Interop.Bpf;

namespace Daf.Interop.Tests.Bpf;

/// <summary>mmap/mprotect with PROT_EXEC and munmap, made by a real python3 child, arrive with the file's identity.</summary>
public sealed class MappingTrackingTests : IDisposable
{
    private const uint PROT_READ = 1, PROT_EXEC = 4;

    private readonly string _library = $"/tmp/daf-bpft-{Guid.NewGuid():N}.so";

    public MappingTrackingTests()
    {
        string source = new[] { "/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libm.so.6" }.First(File.Exists);
        File.Copy(source, _library);
    }

    public void Dispose() => File.Delete(_library);

    private (uint Pid, JsonElement Output, MappingEvent[] Events) Run(string body)
    {
        using var capture = new ProbeCapture();
        JsonElement output = ProbeCapture.RunPython($$"""
            import ctypes, json, os
            libc = ctypes.CDLL(None, use_errno=True)
            libc.mmap.restype = ctypes.c_void_p
            libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
            libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
            libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
            path = "{{_library}}"
            st = os.stat(path)
            out = {"pid": os.getpid(), "inode": st.st_ino, "dev": st.st_dev}

            """ + body + "\nprint(json.dumps(out))");
        uint pid = output.GetProperty("pid").GetUInt32();
        capture.WaitForExitOf(pid);
        Assert.Equal(0UL, capture.Probe.ReadArrayU64("dropped", 0));
        return (pid, output, capture.MappingsOf(pid));
    }

    private static ulong U64(JsonElement output, string name) => output.GetProperty(name).GetUInt64();

    [Fact]
    public void Loading_a_copied_library_maps_its_code_with_the_files_inode_and_device()
    {
        (uint pid, JsonElement o, MappingEvent[] events) = Run("ctypes.CDLL(path)");
        MappingEvent code = Assert.Single(events, e => e.Kind == BpfEventKind.ExecMapped && e.Inode == U64(o, "inode"));
        Assert.Equal((pid, (uint)U64(o, "dev"), MappingEvent.DAF_MAPPING_FILE), (code.ThreadId, code.Device, code.Flags));
        Assert.True((code.Protection & PROT_EXEC) != 0);
        Assert.True(code.Start != 0 && code.Length > 0);
    }

    [Fact]
    public void Mmap_with_PROT_EXEC_and_munmap_report_the_range()
    {
        (uint pid, JsonElement o, MappingEvent[] events) = Run("""
            fd = os.open(path, os.O_RDONLY)
            a = libc.mmap(None, 8192, 5, 2, fd, 0)   # PROT_READ|PROT_EXEC, MAP_PRIVATE
            r = libc.mmap(None, 4096, 1, 2, fd, 0)   # not executable: not reported
            assert libc.munmap(a, 8192) == 0
            out.update(addr=a, readonly=r)
            """);
        ulong address = U64(o, "addr");
        // once unmapped, the range may be reused by a later load of the interpreter: match the file too
        MappingEvent mapped = Assert.Single(events, e => e.Kind == BpfEventKind.ExecMapped && e.Start == address && e.Inode == U64(o, "inode"));
        Assert.Equal((8192UL, PROT_READ | PROT_EXEC, U64(o, "inode"), (uint)U64(o, "dev"), MappingEvent.DAF_MAPPING_FILE),
            (mapped.Length, mapped.Protection, mapped.Inode, mapped.Device, mapped.Flags));
        Assert.DoesNotContain(events, e => e.Start == U64(o, "readonly"));
        MappingEvent unmapped = events.First(e =>
            e.Kind == BpfEventKind.Unmapped && e.Start == address && e.TimestampNanoseconds > mapped.TimestampNanoseconds);
        Assert.Equal((8192UL, pid, 0UL), (unmapped.Length, unmapped.ThreadId, unmapped.Inode));
    }

    [Fact]
    public void Mprotect_and_pkey_mprotect_adding_PROT_EXEC_report_anonymous_and_file_backed_ranges()
    {
        (_, JsonElement o, MappingEvent[] events) = Run("""
            anon = libc.mmap(None, 4096, 3, 0x22, -1, 0)   # PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS
            fd = os.open(path, os.O_RDONLY)
            filemap = libc.mmap(None, 4096, 1, 2, fd, 0)
            assert libc.mprotect(anon, 4096, 5) == 0 and libc.mprotect(filemap, 4096, 5) == 0
            pkey = libc.mmap(None, 4096, 3, 0x22, -1, 0)
            assert libc.syscall(329, ctypes.c_void_p(pkey), ctypes.c_size_t(4096), 4, -1) == 0  # pkey_mprotect, PROT_EXEC
            out.update(anon=anon, filemap=filemap, pkey=pkey)
            """);
        MappingEvent[] mprotects = events.Where(e => (e.Flags & MappingEvent.DAF_MAPPING_MPROTECT) != 0).ToArray();
        MappingEvent anonymous = Assert.Single(mprotects, e => e.Start == U64(o, "anon"));
        Assert.Equal((BpfEventKind.ExecMapped, MappingEvent.DAF_MAPPING_MPROTECT, 0UL, 4096UL, PROT_READ | PROT_EXEC),
            (anonymous.Kind, anonymous.Flags, anonymous.Inode, anonymous.Length, anonymous.Protection));
        MappingEvent file = Assert.Single(mprotects, e => e.Start == U64(o, "filemap"));
        Assert.DoesNotContain(events, e => e.Kind == BpfEventKind.ExecMapped && e.Start == U64(o, "anon") && e != anonymous);
        MappingEvent pkey = Assert.Single(mprotects, e => e.Start == U64(o, "pkey"));
        Assert.Equal((PROT_EXEC, 0UL), (pkey.Protection, pkey.Inode));
        Assert.Equal((MappingEvent.DAF_MAPPING_MPROTECT | MappingEvent.DAF_MAPPING_FILE, U64(o, "inode"), (uint)U64(o, "dev")),
            (file.Flags, file.Inode, file.Device));
    }
}
