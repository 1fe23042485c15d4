// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Daf.Interop.Bpf;

namespace Daf.Interop.Tests.Bpf;

public sealed class SyscallProbeTests
{
    [Fact]
    public void Fork_exec_and_exit_of_a_child_arrive_with_its_pid_within_2_seconds()
    {
        var events = new List<ProcessEvent>();
        using var probe = BpfObject.Load(RepositoryRoot.SyscallProbeObject());
        Assert.Equal(["daf_exec_file", "daf_process_exec", "daf_process_exit", "daf_process_fork", "daf_sys_enter", "daf_sys_exit"],
            probe.AttachedPrograms.Order().ToArray());
        // Without a cgroup the cgroup programs are left out of the load, and say why.
        Assert.Equal(["daf_sock_create", "daf_sock_release"], probe.SkippedPrograms.Select(p => p[..p.IndexOf(':')]).Order().ToArray());
        using var ring = BpfRingBuffer.Create(probe, "events", record =>
        {
            if (ProcessEvent.TryRead(record, out ProcessEvent processEvent))
                events.Add(processEvent);
        });

        using var child = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })!;
        int pid = child.Id;
        child.WaitForExit();

        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(2) && !events.Any(e => e.Pid == pid && e.Kind == BpfEventKind.ProcessExit))
            ring.Poll(100);

        ProcessEvent[] mine = events.Where(e => e.Pid == (uint)pid).ToArray();
        Assert.Equal([BpfEventKind.ProcessFork, BpfEventKind.ProcessExec, BpfEventKind.ProcessExit], mine.Select(e => e.Kind).ToArray());
        Assert.All(mine, e => Assert.Equal((uint)Environment.ProcessId, e.ParentPid));
        Assert.Equal("true", mine[1].Comm.ToString());
        Assert.Equal(0u, mine[2].ExitCode);
        Assert.True(mine[0].TimestampNanoseconds <= mine[1].TimestampNanoseconds
            && mine[1].TimestampNanoseconds <= mine[2].TimestampNanoseconds, "events out of time order");
        Assert.Equal(0UL, probe.ReadArrayU64("dropped", 0));
    }

    [Fact]
    public void Dispose_unloads_every_program_and_pins_nothing() => AssertDisposeUnloadsAll(cgroupPrograms: false, programs: 6);

    [Fact]
    public void Dispose_detaches_the_cgroup_programs_from_the_cgroup2_root_too() => AssertDisposeUnloadsAll(cgroupPrograms: true, programs: 8);

    private static void AssertDisposeUnloadsAll(bool cgroupPrograms, int programs)
    {
        string[] pinsBefore = Directory.GetFileSystemEntries("/sys/fs/bpf");
        BpfObject probe;
        if (cgroupPrograms)
        {
            using var root = Daf.Interop.Proc.Cgroup2Root.Open();
            probe = BpfObject.Load(RepositoryRoot.SyscallProbeObject(), root.Path);
        }
        else
            probe = BpfObject.Load(RepositoryRoot.SyscallProbeObject());
        uint[] ids = probe.ProgramIds.ToArray();
        Assert.Empty(cgroupPrograms ? probe.SkippedPrograms : []);
        Assert.Equal(programs, ids.Distinct().Count());
        Assert.All(ids, id => Assert.True(BpfObject.IsProgramLoaded(id)));

        probe.Dispose();

        var deadline = Stopwatch.StartNew();
        while (ids.Any(BpfObject.IsProgramLoaded) && deadline.Elapsed < TimeSpan.FromSeconds(3))
            Thread.Sleep(20);
        Assert.All(ids, id => Assert.False(BpfObject.IsProgramLoaded(id), $"program {id} still loaded"));
        Assert.Equal(pinsBefore, Directory.GetFileSystemEntries("/sys/fs/bpf"));
    }

    [Fact]
    public void A_missing_object_file_names_the_call_and_ENOENT()
    {
        var error = Assert.Throws<BpfException>(() => BpfObject.Load("/nonexistent/daf_probe.o"));
        Assert.Equal(Errno.ENOENT, error.Errno);
        Assert.Contains("bpf_object__open_file(/nonexistent/daf_probe.o)", error.Message);
    }

    [Fact]
    public void An_unknown_map_name_is_reported_with_the_object_and_map()
    {
        using var probe = BpfObject.Load(RepositoryRoot.SyscallProbeObject());
        var error = Assert.Throws<BpfException>(() => probe.MapFileDescriptor("no_such_map"));
        Assert.Contains("no_such_map", error.Operation);
    }

    [Fact]
    public void A_handler_exception_surfaces_from_Consume()
    {
        using var probe = BpfObject.Load(RepositoryRoot.SyscallProbeObject());
        using var ring = BpfRingBuffer.Create(probe, "events", _ => throw new InvalidOperationException("handler failed"));
        using (var child = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })!)
            child.WaitForExit();
        Assert.Throws<InvalidOperationException>(() =>
        {
            var deadline = Stopwatch.StartNew();
            while (deadline.Elapsed < TimeSpan.FromSeconds(2))
                ring.Poll(100);
        });
    }
}
