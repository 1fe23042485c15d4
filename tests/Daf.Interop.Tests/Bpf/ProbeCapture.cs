// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using System.Text.Json;
using Daf.Interop.Bpf;

namespace Daf.Interop.Tests.Bpf;

/// <summary>
/// bin/syscall_probe.o loaded and read on a background thread for one test: keeps every descriptor, mapping and
/// process event so a test can pick those of its child process after the child's exit event arrived.
/// </summary>
internal sealed class ProbeCapture : IDisposable
{
    private readonly BpfObject _probe;
    private readonly BpfRingBuffer _ring;
    private readonly Thread _reader;
    private readonly List<DescriptorEvent> _descriptors = [];
    private readonly List<MappingEvent> _mappings = [];
    private readonly List<ProcessEvent> _processes = [];
    private readonly List<SocketReleaseEvent> _releases = [];
    private readonly List<ExitImageEvent> _exitImages = [];
    private readonly List<ExecFileEvent> _execFiles = [];
    private volatile bool _stopping;
    private Exception? _failure;

    /// <param name="cgroupPrograms">Also attach the cgroup programs (socket release, socket creation) to the cgroup2 root.</param>
    /// <param name="sharedMaps">Maps of the test's that replace the object's own (e.g. a pid_max-sized `exits`).</param>
    public ProbeCapture(bool cgroupPrograms = false, IReadOnlyDictionary<string, int>? sharedMaps = null)
    {
        if (cgroupPrograms)
        {
            using var root = Daf.Interop.Proc.Cgroup2Root.Open();
            _probe = BpfObject.Load(RepositoryRoot.SyscallProbeObject(), sharedMaps, root.Path);
        }
        else
            _probe = BpfObject.Load(RepositoryRoot.SyscallProbeObject());
        try
        {
            _ring = BpfRingBuffer.Create(_probe, "events", Keep);
        }
        catch
        {
            _probe.Dispose();
            throw;
        }
        _reader = new Thread(Read) { IsBackground = true, Name = "probe-capture" };
        _reader.Start();
    }

    public BpfObject Probe => _probe;

    /// <summary>Runs a python3 program (optionally through `ip netns exec NS`), returns its JSON output (it must print `pid`).</summary>
    public static JsonElement RunPython(string program, TestNetns? netns = null)
    {
        string output = netns is null ? TestNetns.Run("python3", "-c", program) : netns.Exec("python3", "-c", program);
        return JsonDocument.Parse(output).RootElement;
    }

    /// <summary>Waits (up to 3 s) until process <paramref name="pid"/>'s exit event arrived; then all its events are here.</summary>
    public void WaitForExitOf(uint pid)
    {
        var deadline = Stopwatch.StartNew();
        while (!Seen(pid) && deadline.Elapsed < TimeSpan.FromSeconds(3))
            Thread.Sleep(10);
        if (_failure is not null)
            throw new InvalidOperationException("ring buffer reader failed", _failure);
        Assert.True(Seen(pid), $"no exit event of {pid} within 3 s");
    }

    public DescriptorEvent[] DescriptorsOf(uint pid)
    {
        lock (_descriptors)
            return _descriptors.Where(e => e.Pid == pid).ToArray();
    }

    public MappingEvent[] MappingsOf(uint pid)
    {
        lock (_mappings)
            return _mappings.Where(e => e.Pid == pid).ToArray();
    }

    /// <summary>Waits (up to 3 s) for a socket release event of <paramref name="pid"/> and returns all of them so far.</summary>
    public SocketReleaseEvent[] WaitForReleasesOf(uint pid)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(3))
        {
            lock (_releases)
            {
                if (_releases.Any(e => e.Pid == pid))
                    return _releases.Where(e => e.Pid == pid).ToArray();
            }
            Thread.Sleep(10);
        }
        return [];
    }

    public ExitImageEvent[] ExitImagesOf(uint pid)
    {
        lock (_exitImages)
            return _exitImages.Where(e => e.Pid == pid).ToArray();
    }

    public ExecFileEvent[] ExecFilesOf(uint pid)
    {
        lock (_execFiles)
            return _execFiles.Where(e => e.Pid == pid).ToArray();
    }

    public void Dispose()
    {
        _stopping = true;
        _reader.Join();
        _ring.Dispose();
        _probe.Dispose();
    }

    private bool Seen(uint pid)
    {
        lock (_processes)
            return _processes.Any(e => e.Pid == pid && e.Kind == BpfEventKind.ProcessExit);
    }

    private void Keep(ReadOnlySpan<byte> record)
    {
        if (DescriptorEvent.TryRead(record, out DescriptorEvent descriptor))
        {
            lock (_descriptors)
                _descriptors.Add(descriptor);
        }
        else if (MappingEvent.TryRead(record, out MappingEvent mapping))
        {
            lock (_mappings)
                _mappings.Add(mapping);
        }
        else if (ProcessEvent.TryRead(record, out ProcessEvent process))
        {
            lock (_processes)
                _processes.Add(process);
        }
        else if (SocketReleaseEvent.TryRead(record, out SocketReleaseEvent release))
        {
            lock (_releases)
                _releases.Add(release);
        }
        else if (ExitImageEvent.TryRead(record, out ExitImageEvent? exitImage))
        {
            lock (_exitImages)
                _exitImages.Add(exitImage!);
        }
        else if (ExecFileEvent.TryRead(record, out ExecFileEvent? execFile))
        {
            lock (_execFiles)
                _execFiles.Add(execFile!);
        }
    }

    private void Read()
    {
        try
        {
            while (!_stopping)
                _ring.Poll(50);
        }
        catch (Exception exception)
        {
            _failure = exception;
        }
    }
}
