// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Control;
using Daf.Actors.Identity;
using Daf.Actors.Rules;

namespace Daf.Actors.Tests.Identity;

/// <summary>Real processes (root): what they map, hashed through /proc/PID/map_files.</summary>
public sealed class ProcessIdentityReaderTests
{
    private const string PythonSleep = "import sys, time\nprint('ready', flush=True)\ntime.sleep(30)\n";

    private readonly ObjectDigestCache _cache = new();

    private ProcessImage ReadImage(int pid, ProcessIdentityOptions? options = null)
    {
        ProcessReadResult result = new ProcessIdentityReader(_cache, options).Read(pid);
        Assert.True(result.Outcome == ProcessReadOutcome.Read, $"{result.Outcome}: {result.Error}");
        return result.Image!;
    }

    private static MappedObject ObjectEndingWith(ProcessImage image, string suffix) =>
        Assert.Single(image.Objects, o => o.Path.EndsWith(suffix, StringComparison.Ordinal));

    [Fact]
    public void Running_program_maps_its_executable_and_libc_and_a_second_read_hits_the_cache()
    {
        using var child = ChildProcess.Start("/bin/sleep", "30");
        child.WaitUntilMaps("/sleep");
        child.WaitUntilMaps("/libc.so.6");
        ProcessImage image = ReadImage(child.Pid);

        Assert.True(image.Maps(Tools.Sha256Sum("/bin/sleep")));
        MappedObject libc = ObjectEndingWith(image, "/libc.so.6");
        Assert.Equal(Tools.Sha256Sum(libc.Path), libc.Digest);
        Assert.True(image.Maps(libc.Digest!.Value));
        Assert.All(image.Objects, o => Assert.True(o.Executable && o.Verified, o.Path + ": " + o.Error));
        // [vdso] is executable anonymous memory but kernel-provided: it does not make the process unverifiable.
        Assert.Contains("[vdso]", child.TryReadMaps());
        Assert.False(image.Unverifiable);
        Assert.Equal(AggregateDigestTests.Reference(image.Objects.Select(o => o.Digest!.Value)), image.Aggregate);
        Assert.Equal(image.Objects.Select(o => o.Digest!.Value).Distinct().Count(), image.Digests.Count);

        long misses = _cache.Misses, hits = _cache.Hits;
        ProcessImage again = ReadImage(child.Pid);
        Assert.Equal(misses, _cache.Misses);
        Assert.Equal(hits + image.Objects.Count, _cache.Hits);
        Assert.Equal(image.Aggregate, again.Aggregate);
    }

    [Fact]
    public void Binary_replaced_by_rename_after_exec_is_judged_by_what_is_mapped()
    {
        using var temp = new TempDirectory();
        string program = temp.CopyExecutable("/bin/sleep", "prog");
        using var child = ChildProcess.Start(program, "30");
        child.WaitUntilMaps(program);
        string replacement = temp.CopyExecutable("/bin/true", "prog.new");
        File.Move(replacement, program, overwrite: true);

        ProcessImage image = ReadImage(child.Pid);
        MappedObject executable = ObjectEndingWith(image, "/prog (deleted)");
        Assert.Equal(Tools.Sha256Sum("/bin/sleep"), executable.Digest);
        Assert.False(image.Maps(Tools.Sha256Sum(program)));
        Assert.False(image.Unverifiable);
    }

    [Fact]
    public void Path_with_spaces_and_path_longer_than_255_bytes_are_hashed()
    {
        using var temp = new TempDirectory();
        string spaced = temp.CopyExecutable("/bin/sleep", "a dir/my prog ");
        string deep = temp.CopyExecutable("/bin/sleep", string.Join('/', Enumerable.Range(0, 4).Select(i => new string((char)('a' + i), 100))) + "/prog");
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(deep) > 400);
        Sha256Digest sleep = Tools.Sha256Sum("/bin/sleep");
        foreach (string path in new[] { spaced, deep })
        {
            using var child = ChildProcess.Start(path, "30");
            child.WaitUntilMaps(path);
            ProcessImage image = ReadImage(child.Pid);
            Assert.Equal(sleep, Assert.Single(image.Objects, o => o.Path == path).Digest);
        }
    }

    [Fact]
    public void Path_longer_than_PATH_MAX_is_hashed()
    {
        using var temp = new TempDirectory();
        // Built and executed relative to the working directory, as no absolute path this long can be opened.
        const string Script = """
            import os, shutil, sys
            os.chdir(sys.argv[1])
            for _ in range(45):
                os.mkdir('d' * 120)
                os.chdir('d' * 120)
            shutil.copy('/bin/sleep', 'prog')
            os.chmod('prog', 0o755)
            os.execv('./prog', ['prog', '30'])
            """;
        using var child = ChildProcess.Start("python3", "-c", Script, temp.Path);
        child.WaitUntilMaps("/prog");
        ProcessImage image = ReadImage(child.Pid);
        MappedObject program = ObjectEndingWith(image, "/prog");
        Assert.True(program.Path.Length > 4096);
        Assert.Equal(Tools.Sha256Sum("/bin/sleep"), program.Digest);
        Assert.False(image.Unverifiable);
    }

    [Fact]
    public void Code_executed_from_a_memfd_is_unverifiable()
    {
        const string Script = """
            import os
            fd = os.memfd_create('daf-test', 0)
            os.write(fd, open('/bin/sleep', 'rb').read())
            os.execv('/proc/self/fd/%d' % fd, ['sleep', '30'])
            """;
        using var child = ChildProcess.Start("python3", "-c", Script);
        child.WaitUntilMaps("/memfd:daf-test");
        child.WaitUntilMaps("/libc.so.6");
        ProcessImage image = ReadImage(child.Pid);
        MappedObject memfd = Assert.Single(image.Objects, o => o.Path.StartsWith("/memfd:daf-test", StringComparison.Ordinal));
        Assert.True(memfd.Executable);
        Assert.Null(memfd.Digest);
        Assert.Contains("memfd", memfd.Error);
        Assert.True(image.Unverifiable);
        Assert.True(ObjectEndingWith(image, "/libc.so.6").Verified);

        ProcessDescription description = ProcessDescriptions.Describe(image);
        Assert.True(description.Unverifiable);
        Assert.Contains(description.Objects, o => o.Path.StartsWith("/memfd:", StringComparison.Ordinal) && o.Sha256Hex is null && o.Error != null);
    }

    [Fact]
    public void Anonymous_executable_memory_is_unverifiable()
    {
        const string Script = """
            import mmap, time
            rwx = mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC
            private = mmap.mmap(-1, 4096, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, prot=rwx)
            shared = mmap.mmap(-1, 4096, flags=mmap.MAP_SHARED | mmap.MAP_ANONYMOUS, prot=rwx)
            print('ready', flush=True)
            time.sleep(30)
            """;
        using var child = ChildProcess.Start("python3", "-c", Script);
        Assert.Equal("ready", child.ReadLine());
        ProcessImage image = ReadImage(child.Pid);
        MappedObject anonymous = Assert.Single(image.Objects, o => o.Path == "[anonymous]");
        Assert.Contains("anonymous executable memory", anonymous.Error);
        // Shared anonymous memory is a shmem file: it has an inode, yet nothing on disk says what it holds.
        MappedObject shared = Assert.Single(image.Objects, o => o.Path == "/dev/zero (deleted)");
        Assert.Contains("in-memory file", shared.Error);
        Assert.Null(shared.Digest);
        Assert.True(image.Unverifiable);
    }

    [Fact]
    public void Writable_code_mapping_is_unverifiable_and_data_files_appear_only_when_asked()
    {
        using var temp = new TempDirectory();
        string data = temp.Combine("data.bin");
        File.WriteAllBytes(data, new byte[8192]);
        string code = temp.Combine("code.bin");
        File.WriteAllBytes(code, new byte[4096]);
        const string Script = """
            import mmap, sys, time
            data, code = open(sys.argv[1], 'rb'), open(sys.argv[2], 'r+b')
            d = mmap.mmap(data.fileno(), 0, prot=mmap.PROT_READ)
            c = mmap.mmap(code.fileno(), 0, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
            print('ready', flush=True)
            time.sleep(30)
            """;
        using var child = ChildProcess.Start("python3", "-c", Script, data, code);
        Assert.Equal("ready", child.ReadLine());

        ProcessImage executableOnly = ReadImage(child.Pid);
        Assert.DoesNotContain(executableOnly.Objects, o => o.Path == data);
        MappedObject writable = Assert.Single(executableOnly.Objects, o => o.Path == code);
        Assert.Equal(Tools.Sha256Sum(code), writable.Digest);
        Assert.Contains("writable", writable.Error);
        Assert.True(executableOnly.Unverifiable);

        ProcessImage all = ReadImage(child.Pid, new ProcessIdentityOptions { IncludeAllFileBacked = true });
        MappedObject dataObject = Assert.Single(all.Objects, o => o.Path == data);
        Assert.False(dataObject.Executable);
        Assert.Equal(Tools.Sha256Sum(data), dataObject.Digest);
        Assert.True(all.Maps(Tools.Sha256Sum(data)));
    }

    [Fact]
    public void Library_loaded_later_appears_on_the_next_read()
    {
        using var temp = new TempDirectory();
        string library = temp.CompileLibrary("lib/libdaf-later.so", 4242);
        Sha256Digest digest = Tools.Sha256Sum(library);
        const string Script = """
            import ctypes, sys
            print('ready', flush=True)
            for line in sys.stdin:
                ctypes.CDLL(line.strip())
                print('loaded', flush=True)
            """;
        using var child = ChildProcess.Start("python3", "-c", Script);
        Assert.Equal("ready", child.ReadLine());
        ProcessImage before = ReadImage(child.Pid);
        Assert.False(before.Maps(digest));

        child.Input.WriteLine(library);
        child.Input.Flush();
        Assert.Equal("loaded", child.ReadLine());
        ProcessImage after = ReadImage(child.Pid);
        Assert.True(after.Maps(digest));
        Assert.Equal(library, Assert.Single(after.Objects, o => o.Digest == digest).Path);
        Assert.NotEqual(before.Aggregate, after.Aggregate);
    }

    [Fact]
    public void Process_in_another_mount_namespace_is_hashed_by_what_it_really_maps()
    {
        using var temp = new TempDirectory();
        string visible = temp.CompileLibrary("lib/libdaf-ns.so", 1);
        string hidden = temp.CompileLibrary("other/libdaf-ns.so", 2);
        Sha256Digest visibleDigest = Tools.Sha256Sum(visible), hiddenDigest = Tools.Sha256Sum(hidden);
        Assert.NotEqual(visibleDigest, hiddenDigest);
        const string Script = "import ctypes, sys, time\nctypes.CDLL(sys.argv[1])\nprint('ready', flush=True)\ntime.sleep(30)\n";
        using var child = ChildProcess.Start("unshare", "--mount", "--propagation", "private", "sh", "-c",
            "mount --bind \"$1\" \"$2\" && exec python3 -c \"$3\" \"$2\"", "sh", hidden, visible, Script);
        Assert.Equal("ready", child.ReadLine());

        ProcessImage image = ReadImage(child.Pid);
        MappedObject library = Assert.Single(image.Objects, o => o.Path == visible);
        Assert.Equal(hiddenDigest, library.Digest);
        Assert.False(image.Maps(visibleDigest));
        Assert.Equal(visibleDigest, Tools.Sha256Sum(visible));
    }

    [Fact]
    public void Missing_process_and_zombie_are_gone()
    {
        var reader = new ProcessIdentityReader(_cache);
        Assert.Equal(ProcessReadOutcome.Gone, reader.Read(int.MaxValue - 3).Outcome);

        const string Script = "import os, time\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nprint(pid, flush=True)\ntime.sleep(30)\n";
        using var parent = ChildProcess.Start("python3", "-c", Script);
        int zombie = int.Parse(parent.ReadLine(), System.Globalization.CultureInfo.InvariantCulture);
        Tools.WaitUntil(() => File.ReadAllText($"/proc/{zombie}/stat").Contains(") Z ", StringComparison.Ordinal), "a zombie");
        ProcessReadResult result = reader.Read(zombie);
        Assert.Equal(ProcessReadOutcome.Gone, result.Outcome);
        Assert.IsType<RequestRefused>(ProcessDescriptions.Reply(result));
    }

    [Fact]
    public void Processes_exiting_while_read_are_gone_or_read_never_an_exception()
    {
        var reader = new ProcessIdentityReader(_cache);
        int gone = 0, read = 0;
        for (int i = 0; i < 40; i++)
        {
            using var child = ChildProcess.Start("python3", "-c", "pass");
            ProcessReadResult result;
            do
            {
                result = reader.Read(child.Pid);
                Assert.NotEqual(ProcessReadOutcome.Failed, result.Outcome);
                if (result.Outcome == ProcessReadOutcome.Read)
                    read++;
            }
            while (result.Outcome == ProcessReadOutcome.Read);
            gone++;
        }
        Assert.Equal(40, gone);
        Assert.True(read > 0);
    }

    [Fact]
    public void Kernel_thread_has_an_empty_verifiable_image()
    {
        ProcessImage image = ReadImage(2);
        Assert.True(image.IsKernelThread);
        Assert.Empty(image.Objects);
        Assert.False(image.Unverifiable);
    }

    [Fact]
    public void Description_carries_each_object_and_the_aggregate_in_hex()
    {
        using var child = ChildProcess.Start("python3", "-c", PythonSleep);
        Assert.Equal("ready", child.ReadLine());
        ProcessReadResult result = new ProcessIdentityReader(_cache).Read(child.Pid);
        var description = Assert.IsType<ProcessDescription>(ProcessDescriptions.Reply(result));
        Assert.Equal(child.Pid, description.Pid);
        Assert.Equal(result.Image!.Aggregate.ToString(), description.AggregateSha256Hex);
        Assert.Equal(result.Image.Objects.Select(o => (o.Path, o.Digest?.ToString())), description.Objects.Select(o => (o.Path, o.Sha256Hex)));
        Assert.False(description.Unverifiable);
        Assert.Contains(description.Objects, o => o.Sha256Hex == Tools.Sha256Sum(o.Path).ToString() && o.Path.Contains("python", StringComparison.Ordinal));
    }

    [Fact]
    public void Concurrent_readers_share_the_cache_and_agree()
    {
        using var child = ChildProcess.Start("python3", "-c", PythonSleep);
        Assert.Equal("ready", child.ReadLine());
        var reader = new ProcessIdentityReader(_cache);
        Sha256Digest[] aggregates = new Sha256Digest[16];
        Parallel.For(0, aggregates.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            aggregates[i] = reader.Read(child.Pid).Image!.Aggregate);
        Assert.Single(aggregates.Distinct());
    }
}
