// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Daf.Interop.Bpf;
using Tmds.Linux;

namespace Daf.Interop.Tests.Bpf;

/// <summary>
/// The probe's per-process generation counters (`generations`, read through <see cref="BpfCounterArray"/>) move in the
/// process's own context, before the syscall returns: exec, fork, executable mmap/mprotect and munmap of code.
/// </summary>
public sealed unsafe class GenerationTrackingTests : IDisposable
{
    private const uint ExecStep = 1u << 20, MappedStep = 1u << 8;
    private const int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;

    private readonly BpfCounterArray _generations;
    private readonly BpfObject _probe;

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
    }

    public void Dispose()
    {
        _probe.Dispose();
        _generations.Dispose();
    }

    private static int PidMax() => int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim());

    private static uint Field(uint generation, int shift, int bits) => (generation >> shift) & ((1u << bits) - 1);

    [Fact]
    public void An_executable_mapping_moves_the_callers_counter_before_mmap_returns_and_its_unmapping_too()
    {
        int self = Environment.ProcessId;
        uint before = _generations.Read(self);
        void* code = LibC.mmap(null, 4096, PROT_READ | PROT_EXEC, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0);
        Assert.True(code != LibC.MAP_FAILED, $"mmap: errno {LibC.errno}");
        uint mapped = _generations.Read(self);
        Assert.Equal(0, LibC.munmap(code, 4096));
        uint unmapped = _generations.Read(self);

        // Other threads of this process (the JIT) may map code too: the counter only ever grows by our own steps at least.
        Assert.True(mapped - before >= MappedStep, $"mmap(PROT_EXEC) did not move the counter: {before:x} -> {mapped:x}");
        Assert.True(unmapped != mapped, $"munmap of code did not move the counter: {mapped:x}");
    }

    [Fact]
    public void Mprotect_adding_PROT_EXEC_moves_the_counter()
    {
        int self = Environment.ProcessId;
        void* page = LibC.mmap(null, 4096, PROT_READ | PROT_WRITE, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0);
        Assert.True(page != LibC.MAP_FAILED, $"mmap: errno {LibC.errno}");
        try
        {
            uint before = _generations.Read(self);
            Assert.Equal(0, LibC.mprotect(page, 4096, PROT_READ | PROT_EXEC));
            uint after = _generations.Read(self);
            Assert.True(after - before >= MappedStep, $"mprotect(PROT_EXEC) did not move the counter: {before:x} -> {after:x}");
        }
        finally
        {
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
            uint before = _generations.Read(pid);
            Assert.True(Field(before, 20, 12) != 0, $"the fork of {pid} did not move its exec field: {before:x}");
            child.StandardInput.WriteLine();
            Assert.Equal("execed", child.StandardOutput.ReadLine());
            uint after = _generations.Read(pid);
            Assert.True(Field(after - before, 20, 12) >= 1 || after - before >= ExecStep,
                $"exec did not move the exec field of {pid}: {before:x} -> {after:x}");
            child.StandardInput.WriteLine();
        }
        finally
        {
            if (!child.WaitForExit(10_000))
                child.Kill();
        }
    }

    [Fact]
    public void Counters_outside_the_array_read_as_zero()
    {
        Assert.Equal(0u, _generations.Read(-1));
        Assert.Equal(0u, _generations.Read(_generations.Count));
    }
}
