// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Daf.Actors.Tracking;
using Daf.Interop.Bpf;

namespace Daf.Actors.Tests.Tracking;

public sealed class EbpfEventReaderActorTests : TestKit
{
    private static string SyscallProbeObject()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Daf.sln")))
            directory = directory.Parent;
        Assert.NotNull(directory);
        string path = Path.Combine(directory.FullName, "bin", "syscall_probe.o");
        Assert.True(File.Exists(path), $"{path} is missing: `make bin/syscall_probe.o` builds it (make test does so first)");
        return path;
    }

    [Fact]
    public async Task A_missing_object_leaves_the_reader_idle_and_says_why()
    {
        IActorRef reader = ActorRefs.Nobody;
        await EventFilter.Warning(contains: "eBPF process tracking is off")
            .ExpectOneAsync(() =>
            {
                reader = Sys.ActorOf(EbpfEventReaderActor.Props("/nonexistent/syscall_probe.o"));
                return Task.CompletedTask;
            });

        TrackerStats stats = await reader.Ask<TrackerStats>(GetTrackerStats.Instance, TimeSpan.FromSeconds(3));

        Assert.False(stats.Loaded);
        Assert.Contains("bpf_object__open_file(/nonexistent/syscall_probe.o)", stats.LoadError);
        Assert.Contains("ENOENT", stats.LoadError);
        Assert.Empty(stats.Programs);
        Assert.Equal(0, stats.Forks + stats.Execs + stats.Exits);
    }

    [Fact]
    public async Task Fork_exec_and_exit_of_child_processes_are_counted()
    {
        IActorRef reader = Sys.ActorOf(EbpfEventReaderActor.Props(SyscallProbeObject()));
        TrackerStats before = await reader.Ask<TrackerStats>(GetTrackerStats.Instance, TimeSpan.FromSeconds(3));
        Assert.True(before.Loaded, before.LoadError);
        Assert.Equal(3, before.Programs.Count);

        const int children = 3;
        for (int i = 0; i < children; i++)
        {
            using var child = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })!;
            child.WaitForExit();
        }

        await AwaitAssertAsync(async () =>
        {
            TrackerStats stats = await reader.Ask<TrackerStats>(GetTrackerStats.Instance, TimeSpan.FromSeconds(1));
            Assert.InRange(stats.Forks - before.Forks, children, long.MaxValue);
            Assert.InRange(stats.Execs - before.Execs, children, long.MaxValue);
            Assert.InRange(stats.Exits - before.Exits, children, long.MaxValue);
            Assert.Equal(0, stats.Malformed);
            Assert.Equal(0UL, stats.KernelDropped);
        }, TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(50));
    }

    [Fact]
    public async Task Stopping_the_reader_unloads_its_programs_promptly()
    {
        IActorRef reader = Sys.ActorOf(EbpfEventReaderActor.Props(SyscallProbeObject()));
        TrackerStats stats = await reader.Ask<TrackerStats>(GetTrackerStats.Instance, TimeSpan.FromSeconds(3));
        Assert.Equal(3, stats.ProgramIds.Count);
        Assert.All(stats.ProgramIds, id => Assert.True(BpfObject.IsProgramLoaded(id)));

        Watch(reader);
        var stopping = Stopwatch.StartNew();
        Sys.Stop(reader);
        await ExpectTerminatedAsync(reader, TimeSpan.FromSeconds(3));
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(2), $"stop took {stopping.Elapsed}");
        await AwaitAssertAsync(() => Assert.All(stats.ProgramIds, id => Assert.False(BpfObject.IsProgramLoaded(id))),
            TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(50));
    }
}
