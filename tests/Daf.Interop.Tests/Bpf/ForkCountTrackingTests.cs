// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Daf.Interop.Bpf;

namespace Daf.Interop.Tests.Bpf;

/// <summary>
/// The probe's per-process fork counts (`forks`, read through <see cref="BpfCounterArray"/>): a fork of a new thread
/// group moves the forking process's count before the fork returns, and starts the child's at 0.
/// </summary>
public sealed class ForkCountTrackingTests : IDisposable
{
    private readonly BpfCounterArray _forks;
    private readonly BpfObject _probe;

    public ForkCountTrackingTests()
    {
        _forks = BpfCounterArray.Create("forks", PidMax());
        try
        {
            _probe = BpfObject.Load(RepositoryRoot.SyscallProbeObject(), new Dictionary<string, int> { ["forks"] = _forks.FileDescriptor });
        }
        catch
        {
            _forks.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _probe.Dispose();
        _forks.Dispose();
    }

    private static int PidMax() => int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim());

    [Fact]
    public void A_fork_moves_the_parents_count_before_it_returns_and_the_child_starts_at_zero()
    {
        int self = Environment.ProcessId;
        ulong before = _forks.Read(self);
        var start = new ProcessStartInfo("/bin/sh", ["-c", "echo $$; read x"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        using var child = Process.Start(start)!;
        try
        {
            ulong after = _forks.Read(self); // other threads of this process may fork too: at least one more
            Assert.True(after > before, $"the fork of a child did not move this process's count: {before} -> {after}");
            int pid = int.Parse(child.StandardOutput.ReadLine()!);
            Assert.Equal(0UL, _forks.Read(pid));
            child.StandardInput.WriteLine();
        }
        finally
        {
            if (!child.WaitForExit(10_000))
                child.Kill();
        }
    }
}
