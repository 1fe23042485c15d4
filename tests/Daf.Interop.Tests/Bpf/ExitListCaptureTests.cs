// SPDX-License-Identifier: Apache-2.0
using System.Text.Json;
using Daf.Interop.Bpf;

namespace Daf.Interop.Tests.Bpf;

/// <summary>
/// When the probe lists a process's executable objects: a single-threaded process at its exit_group call (a first chance,
/// should the address space be unreadable at the exit itself), any other at the exit of its last thread.
/// </summary>
public sealed class ExitListCaptureTests
{
    private static string Program(bool withThread) => $$"""
        import json, os, socket, threading, time
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if {{(withThread ? "True" : "False")}}:
            threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
        print(json.dumps({"pid": os.getpid()}), flush=True)
        os._exit(0)
        """;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_single_threaded_process_is_listed_at_exit_group_and_a_multi_threaded_one_at_its_exit(bool withThread)
    {
        int pidMax = int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using var exits = BpfCounterArray.Create("exits", pidMax);
        using var capture = new ProbeCapture(cgroupPrograms: true, new Dictionary<string, int> { ["exits"] = exits.FileDescriptor });
        Assert.Contains("daf_sock_create", capture.Probe.AttachedPrograms);
        uint pid = ProbeCapture.RunPython(Program(withThread)).GetProperty("pid").GetUInt32();
        capture.WaitForExitOf(pid);

        ExitImageEvent image = Assert.Single(capture.ExitImagesOf(pid));
        Assert.True(image.Complete, $"exit image flags {image.Flags}");
        // The probe stamps `exits` at the exit of the last thread, before it lists the objects there.
        ulong exitedAt = exits.Read((int)pid);
        Assert.NotEqual(0UL, exitedAt);
        if (withThread)
            Assert.True(image.TimestampNanoseconds > exitedAt, "another thread could still map code at exit_group: listed at the exit");
        else
            Assert.True(image.TimestampNanoseconds < exitedAt, "listed at exit_group, before the exit");
    }
}
