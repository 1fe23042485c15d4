// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using System.Text;

namespace Daf.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A running child process with its stdout lines and stderr captured for assertions and diagnostics.
/// Disposing kills it (and anything it started).
/// </summary>
public sealed class NetnsProcess : IDisposable
{
    private readonly Process _process;
    private readonly object _gate = new();
    private readonly List<string> _stdout = [];
    private readonly StringBuilder _stderr = new();
    private readonly List<(Predicate<string> Match, TaskCompletionSource<string?> Found)> _waiters = [];
    private bool _stdoutClosed;
    private bool _disposed;

    public NetnsProcess(IReadOnlyList<string> argv)
    {
        CommandLine = string.Join(' ', argv);
        var info = new ProcessStartInfo(argv[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in argv.Skip(1))
            info.ArgumentList.Add(arg);
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => OnStdoutLine(e.Data);
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_gate) _stderr.AppendLine(e.Data);
        };
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string CommandLine { get; }

    /// <summary>The child's PID. `ip netns exec` execs its command, so this is the command's own PID.</summary>
    public int Pid => _process.Id;

    /// <summary>True once it exited, or once disposed (which kills it).</summary>
    public bool HasExited => _disposed || _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public IReadOnlyList<string> StdoutLines
    {
        get { lock (_gate) return _stdout.ToArray(); }
    }

    public string Stdout => string.Join('\n', StdoutLines);

    public string Stderr
    {
        get { lock (_gate) return _stderr.ToString(); }
    }

    /// <summary>Runs a command to completion, killing it at the deadline.</summary>
    public static ExecResult Run(IReadOnlyList<string> argv, TimeSpan timeout)
    {
        using var p = new NetnsProcess(argv);
        bool exited = p.WaitForExit(timeout);
        if (!exited)
            p.Kill();
        return new ExecResult(p.CommandLine, exited ? p.ExitCode : -1, p.Stdout, p.Stderr, !exited);
    }

    /// <summary>
    /// Waits for a stdout line (already seen or still to come) that matches; null when the process closes
    /// its stdout or the timeout passes first.
    /// </summary>
    public string? WaitForLine(Predicate<string> match, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            foreach (var line in _stdout)
            {
                if (match(line)) return line;
            }
            if (_stdoutClosed) return null;
            _waiters.Add((match, found));
        }
        bool done = found.Task.Wait(timeout);
        lock (_gate) _waiters.RemoveAll(w => w.Found == found);
        return done ? found.Task.Result : null;
    }

    /// <summary>Like <see cref="WaitForLine"/>, but fails the test (with the process's stderr) when no line comes.</summary>
    public string ExpectLine(Predicate<string> match, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        return WaitForLine(match, limit) ?? throw new Xunit.Sdk.XunitException(
            $"{what}: nothing within {limit.TotalSeconds} s from `{CommandLine}` (exited: {HasExited})\nstderr: {Stderr.Trim()}");
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
            return false;
        _process.WaitForExit(); // drains the redirected streams
        return true;
    }

    public void Signal(int signal) => Signals.Send(Pid, signal);

    /// <summary>SIGKILLs the process tree and reaps it. Never throws.</summary>
    public void Kill()
    {
        try
        {
            if (!HasExited)
                _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (Exception)
        {
            // Already gone, or never started: nothing left to kill.
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        Kill();
        _process.Dispose();
        _disposed = true;
    }

    private void OnStdoutLine(string? line)
    {
        lock (_gate)
        {
            if (line is null)
            {
                _stdoutClosed = true;
                foreach (var w in _waiters) w.Found.TrySetResult(null);
                _waiters.Clear();
                return;
            }
            _stdout.Add(line);
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Found.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
