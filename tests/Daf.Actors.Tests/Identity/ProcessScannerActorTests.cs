// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Daf.Actors.Identity;
using Daf.Actors.Rules;
using Daf.Actors.Tracking;

namespace Daf.Actors.Tests.Identity;

/// <summary>Scanner actors against real processes (root).</summary>
public sealed class ProcessScannerActorTests : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);
    private const string Python = "/usr/bin/python3";

    /// <summary>dlopen / dlclose a library on request, exec a program on request.</summary>
    private const string PythonLoader =
        "import ctypes, _ctypes, os, sys\n" +
        "print('ready', flush=True)\n" +
        "for line in sys.stdin:\n" +
        "    cmd, arg = line.split(' ', 1)\n" +
        "    arg = arg.strip()\n" +
        "    if cmd == 'open':\n" +
        "        handle = ctypes.CDLL(arg)._handle\n" +
        "    elif cmd == 'close':\n" +
        "        _ctypes.dlclose(handle)\n" +
        "    elif cmd == 'exec':\n" +
        "        os.execv(arg, [arg, '30'])\n" +
        "    print('done', flush=True)\n";

    private readonly ProcessImageStore _store = new();
    private readonly ProcessIdentityReader _reader = new(new ObjectDigestCache());

    private IActorRef StartScanner(int pid, TrackingOptions? options = null) =>
        Sys.ActorOf(ProcessScannerActor.Props(pid, _reader, _store, options ?? TrackingOptions.Default));

    private static Task<ProcessScannerState> StateOf(IActorRef scanner) =>
        scanner.Ask<ProcessScannerState>(GetProcessScannerState.Instance, Wait);

    private ProcessImage AwaitImage(int pid, Func<ProcessImage, bool> condition)
    {
        ProcessImage? found = null;
        AwaitCondition(() => _store.TryGetImage(pid, out found!) && condition(found), Wait, TimeSpan.FromMilliseconds(10));
        return found!;
    }

    private static ChildProcess StartLoader()
    {
        var child = ChildProcess.Start(Python, "-c", PythonLoader);
        try
        {
            Assert.Equal("ready", child.ReadLine());
            return child;
        }
        catch
        {
            child.Dispose();
            throw;
        }
    }

    private static void Send(ChildProcess child, string command)
    {
        child.Input.WriteLine(command);
        child.Input.Flush();
        Assert.Equal("done", child.ReadLine());
    }

    [Fact]
    public void Published_image_holds_the_digest_of_the_executable()
    {
        using var child = ChildProcess.Start("/bin/sleep", "30");
        child.WaitUntilMaps("/libc.so.6");
        StartScanner(child.Pid);
        Sha256Digest sleep = Tools.Sha256Sum("/bin/sleep");
        ProcessImage image = AwaitImage(child.Pid, i => i.Maps(sleep));
        Assert.False(image.Unverifiable);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Exec_of_another_program_replaces_the_image_also_with_read_once(bool readMapsOnce)
    {
        using ChildProcess child = StartLoader();
        IActorRef scanner = StartScanner(child.Pid, TrackingOptions.Default with { ReadMapsOnce = readMapsOnce });
        Sha256Digest python = Tools.Sha256Sum(Python);
        Sha256Digest sleep = Tools.Sha256Sum("/bin/sleep");
        AwaitImage(child.Pid, i => i.Maps(python));

        child.Input.WriteLine("exec /bin/sleep");
        child.Input.Flush();
        child.WaitUntilMaps("/bin/sleep");
        scanner.Tell(ProcessExeced.Instance);
        ProcessImage image = AwaitImage(child.Pid, i => i.Maps(sleep));
        Assert.False(image.Maps(python));
        Assert.DoesNotContain(image.Objects, o => o.Path.Contains("python", StringComparison.Ordinal));
        Assert.Equal(1, (await StateOf(scanner)).Execs);
    }

    [Fact]
    public async Task Image_is_kept_for_the_grace_delay_after_exit_then_removed()
    {
        var grace = TimeSpan.FromMilliseconds(500);
        using var child = ChildProcess.Start("/bin/sleep", "30");
        child.WaitUntilMaps("/libc.so.6");
        IActorRef scanner = StartScanner(child.Pid, TrackingOptions.Default with { GraceDelay = grace });
        Sha256Digest sleep = Tools.Sha256Sum("/bin/sleep");
        AwaitImage(child.Pid, i => i.Maps(sleep));
        Watch(scanner);

        int pid = child.Pid;
        child.Dispose();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        scanner.Tell(ProcessExited.Instance);
        Assert.True((await StateOf(scanner)).Exited);
        Assert.True(_store.TryGetImage(pid, out ProcessImage kept) && kept.Maps(sleep));
        ExpectTerminated(scanner, Wait);
        Assert.True(clock.Elapsed >= grace - TimeSpan.FromMilliseconds(20), $"{clock.Elapsed.TotalMilliseconds} ms");
        Assert.False(_store.TryGetImage(pid, out _));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Unmapped_library_leaves_the_image_unless_objects_are_kept(bool keepUnmapped)
    {
        using var temp = new TempDirectory();
        string library = temp.CompileLibrary("libdaf-unmap.so", 41);
        Sha256Digest digest = Tools.Sha256Sum(library);
        using ChildProcess child = StartLoader();
        IActorRef scanner = StartScanner(child.Pid, TrackingOptions.Default with { KeepUnmapped = keepUnmapped });
        AwaitImage(child.Pid, _ => true);

        Send(child, "open " + library);
        scanner.Tell(ProcessMappingsChanged.Mapped);
        AwaitImage(child.Pid, i => i.Maps(digest));

        Send(child, "close " + library);
        Assert.DoesNotContain(library, child.TryReadMaps());
        int readsBefore = (await StateOf(scanner)).Reads;
        scanner.Tell(ProcessMappingsChanged.Unmapping);
        if (keepUnmapped)
        {
            // An unmap cannot add code: no read; and a later read still unites with the earlier objects.
            Assert.Equal(readsBefore, (await StateOf(scanner)).Reads);
            Assert.True(_store.TryGetImage(child.Pid, out ProcessImage before));
            scanner.Tell(ProcessMappingsChanged.Mapped);
            ProcessImage after = AwaitImage(child.Pid, i => !ReferenceEquals(i, before));
            Assert.True(after.Maps(digest));
            Assert.Equal(readsBefore + 1, (await StateOf(scanner)).Reads);
        }
        else
        {
            AwaitImage(child.Pid, i => !i.Maps(digest));
        }
    }

    [Fact]
    public async Task Read_once_ignores_new_mappings_but_reads_again_after_exec()
    {
        using var temp = new TempDirectory();
        string library = temp.CompileLibrary("libdaf-once.so", 42);
        Sha256Digest digest = Tools.Sha256Sum(library);
        using ChildProcess child = StartLoader();
        IActorRef scanner = StartScanner(child.Pid, TrackingOptions.Default with { ReadMapsOnce = true });
        AwaitImage(child.Pid, _ => true);
        Assert.Equal(1, (await StateOf(scanner)).Reads);

        Send(child, "open " + library);
        scanner.Tell(ProcessMappingsChanged.Mapped);
        ProcessScannerState state = await StateOf(scanner);
        Assert.Equal(1, state.Reads);
        Assert.False(state.Image!.Maps(digest));

        scanner.Tell(ProcessExeced.Instance);
        AwaitImage(child.Pid, i => i.Maps(digest));
        Assert.Equal(2, (await StateOf(scanner)).Reads);
    }

    [Fact]
    public async Task A_refresh_reads_again_only_when_the_image_is_older_than_the_processs_counter_and_stamps_it()
    {
        using var counters = Daf.Interop.Bpf.BpfCounterArray.Create("daf_test_scan", PidMax());
        var store = new ProcessImageStore(new ProcessGenerations(counters, TrackingOptions.Default));
        using var child = ChildProcess.Start("/bin/sleep", "30");
        (IActorRef scanner, ProcessImage first) = StartScanner(counters, store, child, 0x0003_0005_0000);
        Assert.Equal(0x0003_0005_0000UL, first.Generation);

        scanner.Tell(new RefreshProcessImage(child.Pid));
        Assert.Equal(1, (await StateOf(scanner)).Reads);

        counters.Write(child.Pid, 0x0003_0006_0000); // file code was mapped since the read
        scanner.Tell(new RefreshProcessImage(child.Pid));
        ProcessImage second = AwaitImageIn(store, child.Pid, i => !ReferenceEquals(i, first));
        Assert.Equal(0x0003_0006_0000UL, second.Generation);
        Assert.Equal(2, (await StateOf(scanner)).Reads);
    }

    [Fact]
    public void Keeping_unmapped_objects_never_unites_images_across_an_exec_the_counter_shows_before_its_event()
    {
        using var counters = Daf.Interop.Bpf.BpfCounterArray.Create("daf_test_scan", PidMax());
        var options = TrackingOptions.Default with { KeepUnmapped = true };
        var store = new ProcessImageStore(new ProcessGenerations(counters, options));
        Sha256Digest python = Tools.Sha256Sum(Python);
        Sha256Digest sleep = Tools.Sha256Sum("/bin/sleep");
        using ChildProcess child = StartLoader();
        counters.Write(child.Pid, 0x0001_0000_0000);
        IActorRef scanner = Sys.ActorOf(ProcessScannerActor.Props(child.Pid, _reader, store, options));
        AwaitImageIn(store, child.Pid, i => i.Maps(python));

        child.Input.WriteLine("exec /bin/sleep");
        child.Input.Flush();
        child.WaitUntilMaps("/bin/sleep");
        counters.Write(child.Pid, 0x0002_0000_0000); // the exec; its event has not reached the scanner
        scanner.Tell(new RefreshProcessImage(child.Pid));
        ProcessImage image = AwaitImageIn(store, child.Pid, i => i.Maps(sleep));
        Assert.False(image.Maps(python));
    }

    [Fact]
    public void An_exit_list_replaces_a_stale_image_only_and_carries_the_final_generation()
    {
        using var counters = Daf.Interop.Bpf.BpfCounterArray.Create("daf_test_scan", PidMax());
        var store = new ProcessImageStore(new ProcessGenerations(counters, TrackingOptions.Default));
        using var child = ChildProcess.Start("/bin/sleep", "30");
        (IActorRef scanner, ProcessImage read) = StartScanner(counters, store, child, 0x0001_0001_0000);
        Daf.Interop.Bpf.ImageObject sleep = ImageObjectOf("/bin/sleep"); // hashed by the read: in the digest cache

        scanner.Tell(new ExitImageCaptured([sleep], sleep, "/bin/sleep"));
        scanner.Tell(GetProcessScannerState.Instance, TestActor);
        ExpectMsg<ProcessScannerState>(Wait);
        Assert.True(store.TryGetImage(child.Pid, out ProcessImage current) && ReferenceEquals(read, current));

        counters.Write(child.Pid, 0x0001_0002_0000); // code mapped after the read, then the process exited
        scanner.Tell(new ExitImageCaptured([sleep], sleep, "/bin/sleep"));
        ProcessImage exit = AwaitImageIn(store, child.Pid, i => !ReferenceEquals(i, read));
        Assert.Equal(0x0001_0002_0000UL, exit.Generation);
        Assert.True(exit.Maps(Tools.Sha256Sum("/bin/sleep")));
        Assert.DoesNotContain(exit.Objects, o => o.Path.Contains("libc", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_exit_list_lacking_a_digest_is_built_once_another_read_teaches_the_cache_that_object()
    {
        using var dir = new TempDirectory();
        string program = dir.Combine("program"), library = dir.Combine("libfresh.so");
        File.WriteAllText(program, "program code");
        File.WriteAllText(library, "a library no scanner has hashed yet");
        Daf.Interop.Bpf.ImageObject exe = ImageObjectOf(program), lib = ImageObjectOf(library);
        int pid = ExitedPid();
        // Kept well beyond the test: the retries stop when the scanner's retention ends.
        IActorRef scanner = StartScanner(pid, TrackingOptions.Default with { ReleaseRetention = TimeSpan.FromMinutes(1) });
        scanner.Tell(ProcessExited.Instance);

        scanner.Tell(new ExitImageCaptured([exe, lib], exe, program));
        AwaitCondition(() => _store.WhyNoImage(pid)?.Contains("not in the digest cache", StringComparison.Ordinal) == true,
            Wait, TimeSpan.FromMilliseconds(10));
        Assert.False(_store.TryGetImage(pid, out _));
        Assert.Contains("not in the digest cache", (await StateOf(scanner)).LastError);

        // Another scanner reads a living process that maps the same library: the digest cache learns it.
        Assert.True(Daf.Interop.Posix.ReadOnlyFile.TryOpen(library, out Daf.Interop.Posix.ReadOnlyFile? file, out _));
        using (file)
            Assert.NotNull(_reader.Cache.GetOrCompute(file!).Digest);
        ProcessImage image = AwaitImage(pid, _ => true);
        Assert.True(image.Maps(Tools.Sha256Sum(library)));
        Assert.True(image.Maps(Tools.Sha256Sum(program)));
        Assert.Null(_store.WhyNoImage(pid));
    }

    [Fact]
    public void An_incomplete_exit_list_is_noted_as_the_reason_the_process_has_no_image()
    {
        int pid = ExitedPid();
        IActorRef scanner = StartScanner(pid, TrackingOptions.Default with { ReleaseRetention = TimeSpan.FromMinutes(1) });
        scanner.Tell(new ExitImageCaptured([], null, null) { Incomplete = "more than 32 executable mappings" });
        AwaitCondition(() => _store.WhyNoImage(pid)?.Contains("more than 32 executable mappings", StringComparison.Ordinal) == true,
            Wait, TimeSpan.FromMilliseconds(10));
        Assert.False(_store.TryGetImage(pid, out _));
    }

    /// <summary>The pid of a process that has exited and been reaped: reads of it find it gone.</summary>
    private static int ExitedPid()
    {
        using var child = ChildProcess.Start("/bin/true");
        child.Finish();
        return child.Pid;
    }

    private static Daf.Interop.Bpf.ImageObject ImageObjectOf(string path)
    {
        Assert.True(Daf.Interop.Posix.ReadOnlyFile.TryOpen(path, out Daf.Interop.Posix.ReadOnlyFile? file, out _));
        using (file)
        {
            Assert.True(file!.TryGetStatus(out Daf.Interop.Posix.FileStatus status, out _));
            return new Daf.Interop.Bpf.ImageObject(status.Inode, status.Size, status.ModifiedTimeNs, status.ChangedTimeNs, (uint)status.Device, 0);
        }
    }

    [Fact]
    public async Task A_mapping_event_reads_again_only_when_the_counter_moved_in_a_field_that_makes_the_image_stale()
    {
        using var counters = Daf.Interop.Bpf.BpfCounterArray.Create("daf_test_scan", PidMax());
        var store = new ProcessImageStore(new ProcessGenerations(counters, TrackingOptions.Default));
        using var child = ChildProcess.Start("/bin/sleep", "30");
        (IActorRef scanner, ProcessImage first) = StartScanner(counters, store, child, 0x0001_0000_0000);
        Assert.False(first.Unverifiable);

        // The probe moves the counter before it emits the event: unchanged, the event announced nothing that matters.
        scanner.Tell(ProcessMappingsChanged.Mapped);
        scanner.Tell(ProcessMappingsChanged.Unmapping);
        Assert.Equal(1, (await StateOf(scanner)).Reads);

        counters.Write(child.Pid, 0x0001_0000_0001); // code was unmapped
        scanner.Tell(ProcessMappingsChanged.Unmapping);
        ProcessImage second = AwaitImageIn(store, child.Pid, i => !ReferenceEquals(i, first));
        Assert.Equal(0x0001_0000_0001UL, second.Generation);
        Assert.Equal(2, (await StateOf(scanner)).Reads);
    }

    [Fact]
    public void A_scanner_is_reachable_through_the_store_while_it_runs()
    {
        using var child = ChildProcess.Start("/bin/sleep", "30");
        child.WaitUntilMaps("/libc.so.6");
        IActorRef scanner = StartScanner(child.Pid);
        AwaitImage(child.Pid, _ => true);
        Assert.True(_store.TryRefresh(child.Pid));
        Watch(scanner);
        Sys.Stop(scanner);
        ExpectTerminated(scanner);
        Assert.False(_store.TryRefresh(child.Pid));
    }

    [Fact]
    public async Task Without_counters_every_mapping_event_reads_again()
    {
        using var child = ChildProcess.Start("/bin/sleep", "30");
        child.WaitUntilMaps("/libc.so.6");
        IActorRef scanner = StartScanner(child.Pid);
        ProcessImage first = AwaitImage(child.Pid, _ => true);
        scanner.Tell(ProcessMappingsChanged.Mapped);
        AwaitImage(child.Pid, i => !ReferenceEquals(i, first));
        Assert.Equal(2, (await StateOf(scanner)).Reads);
    }

    private static int PidMax() => int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim());

    /// <summary>A scanner of <paramref name="child"/> (once its libc is mapped) whose generation counter reads <paramref name="generation"/>, and the image it publishes first.</summary>
    private (IActorRef Scanner, ProcessImage First) StartScanner(Daf.Interop.Bpf.BpfCounterArray counters, ProcessImageStore store, ChildProcess child, ulong generation)
    {
        child.WaitUntilMaps("/libc.so.6");
        counters.Write(child.Pid, generation);
        IActorRef scanner = Sys.ActorOf(ProcessScannerActor.Props(child.Pid, _reader, store, TrackingOptions.Default));
        return (scanner, AwaitImageIn(store, child.Pid, _ => true));
    }

    private ProcessImage AwaitImageIn(ProcessImageStore store, int pid, Func<ProcessImage, bool> condition)
    {
        ProcessImage? found = null;
        AwaitCondition(() => store.TryGetImage(pid, out found!) && condition(found), Wait, TimeSpan.FromMilliseconds(10));
        return found!;
    }
}
