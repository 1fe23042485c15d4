// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Daf.Interop.Bpf;
using Tmds.Linux;

namespace Daf.Interop.Tests.Bpf;

/// <summary>
/// The probe's per-process generation counters (`generations`, read through <see cref="BpfCounterArray"/>) move in the
/// process's own context, before the syscall returns: exec, fork, executable mmap/mprotect and munmap of code, each
/// in its own 16-bit field.
/// </summary>
public sealed unsafe class GenerationTrackingTests : IDisposable
{
    private const int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;

    private readonly BpfCounterArray _generations;
    private readonly BpfObject _probe;
    private readonly string _library = $"/tmp/daf-bpfg-{Guid.NewGuid():N}.so";

    public GenerationTrackingTests()
    {
        _generations = BpfCounterArray.Create("generations", PidMax());
        try
        {
            _probe = BpfObject.Load(RepositoryRoot.SyscallProbeObject(), new Dictionary<string, int> { ["generations"] = _generations.FileDescriptor });
        }
        catch
        {
            _generations.Dispose();
            throw;
        }
        File.Copy(new[] { "/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libm.so.6" }.First(File.Exists), _library);
    }

    public void Dispose()
    {
        _probe.Dispose();
        _generations.Dispose();
        File.Delete(_library);
    }

    private static int PidMax() => int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim());

    private enum Field { Unmapped = 0, FileCode = 16, Exec = 32, AnonymousCode = 48 }

    private static ulong Of(ulong generation, Field field) => (generation >> (int)field) & 0xFFFF;

    /// <summary>How far <paramref name="field"/> moved (other threads of this process, the JIT, may move fields too).</summary>
    private static ulong Moved(ulong before, ulong after, Field field) => (Of(after, field) - Of(before, field)) & 0xFFFF;

    [Fact]
    public void A_file_mapped_executable_moves_the_file_code_field_before_mmap_returns_and_its_unmapping_the_unmapped_field()
    {
        int self = Environment.ProcessId;
        using var library = File.OpenHandle(_library);
        int fd = (int)library.DangerousGetHandle();
        ulong before = _generations.Read(self);
        void* code = LibC.mmap(null, 4096, PROT_READ | PROT_EXEC, LibC.MAP_PRIVATE, fd, 0);
        Assert.True(code != LibC.MAP_FAILED, $"mmap: errno {LibC.errno}");
        ulong mapped = _generations.Read(self);
        Assert.Equal(0, LibC.munmap(code, 4096));
        ulong unmapped = _generations.Read(self);

        Assert.True(Moved(before, mapped, Field.FileCode) >= 1, $"mmap(PROT_EXEC) of a file did not move the file code field: {before:x} -> {mapped:x}");
        Assert.True(Moved(mapped, unmapped, Field.Unmapped) >= 1, $"munmap of code did not move the unmapped field: {mapped:x} -> {unmapped:x}");
    }

    [Fact]
    public void Anonymous_code_from_mmap_or_mprotect_moves_the_anonymous_code_field()
    {
        int self = Environment.ProcessId;
        ulong before = _generations.Read(self);
        void* code = LibC.mmap(null, 4096, PROT_READ | PROT_EXEC, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0);
        Assert.True(code != LibC.MAP_FAILED, $"mmap: errno {LibC.errno}");
        ulong mapped = _generations.Read(self);
        void* page = LibC.mmap(null, 4096, PROT_READ | PROT_WRITE, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0);
        Assert.True(page != LibC.MAP_FAILED, $"mmap: errno {LibC.errno}");
        try
        {
            Assert.Equal(0, LibC.mprotect(page, 4096, PROT_READ | PROT_EXEC));
            ulong protectedToCode = _generations.Read(self);
            Assert.True(Moved(before, mapped, Field.AnonymousCode) >= 1, $"anonymous mmap(PROT_EXEC): {before:x} -> {mapped:x}");
            Assert.True(Moved(mapped, protectedToCode, Field.AnonymousCode) >= 1, $"mprotect(PROT_EXEC): {mapped:x} -> {protectedToCode:x}");
        }
        finally
        {
            LibC.munmap(code, 4096);
            LibC.munmap(page, 4096);
        }
    }

    [Fact]
    public void Exec_moves_the_exec_field_of_the_process_before_the_new_program_runs()
    {
        var start = new ProcessStartInfo("python3", ["-u", "-c",
            "import os, sys; print(os.getpid(), flush=True); sys.stdin.readline(); os.execv('/bin/sh', ['sh', '-c', 'echo execed; read x'])"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        using var child = Process.Start(start)!;
        try
        {
            int pid = int.Parse(child.StandardOutput.ReadLine()!);
            ulong before = _generations.Read(pid);
            Assert.True(Of(before, Field.Exec) != 0, $"the fork of {pid} did not move its exec field: {before:x}");
            Assert.True(Of(before, Field.FileCode) != 0, $"python3's start did not move its file code field: {before:x}");
            child.StandardInput.WriteLine();
            Assert.Equal("execed", child.StandardOutput.ReadLine());
            ulong after = _generations.Read(pid);
            Assert.Equal(1UL, Moved(before, after, Field.Exec));
            child.StandardInput.WriteLine();
        }
        finally
        {
            if (!child.WaitForExit(10_000))
                child.Kill();
        }
    }

    [Fact]
    public void A_written_counter_reads_back_through_the_mapping_and_leaves_its_neighbours_alone()
    {
        using var counters = BpfCounterArray.Create("daf_test", 8);
        counters.Write(4, 0xdead_beef_0000_0001);
        counters.Write(5, 7);
        Assert.Equal((0UL, 0xdead_beef_0000_0001UL, 7UL, 0UL), (counters.Read(3), counters.Read(4), counters.Read(5), counters.Read(6)));
    }

    [Fact]
    public void Counters_outside_the_array_read_as_zero()
    {
        Assert.Equal(0UL, _generations.Read(-1));
        Assert.Equal(0UL, _generations.Read(_generations.Count));
    }
}
