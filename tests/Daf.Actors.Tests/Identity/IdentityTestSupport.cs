// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Daf.Actors.Rules;

namespace Daf.Actors.Tests.Identity;

/// <summary>A temporary directory removed with everything in it (rm -rf copes with paths deeper than PATH_MAX).</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory() =>
        Path = Directory.CreateTempSubdirectory("daf-identity-").FullName;

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Copies <paramref name="source"/> to <paramref name="relative"/> (directories created) with mode 0755.</summary>
    public string CopyExecutable(string source, string relative)
    {
        string target = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
        File.Copy(source, target);
        Tools.Run("chmod", "0755", target);
        return target;
    }

    /// <summary>Builds a tiny shared library whose content (and digest) depends on <paramref name="marker"/>.</summary>
    public string CompileLibrary(string relative, int marker)
    {
        string target = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
        string source = target + ".c";
        File.WriteAllText(source, $"int daf_marker(void) {{ return {marker}; }}\n");
        Tools.Run("gcc", "-shared", "-fPIC", "-O0", "-o", target, source);
        return target;
    }

    public void Dispose() => Tools.TryRun("rm", "-rf", "--one-file-system", Path);
}

/// <summary>A child process killed (with its descendants) and reaped on Dispose, even when the test failed.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    public StreamWriter Input => _process.StandardInput;

    public static ChildProcess Start(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        return new ChildProcess(Process.Start(start)!);
    }

    /// <summary>Waits for a line on the child's stdout (at most 15 s).</summary>
    public string ReadLine()
    {
        Task<string?> line = _process.StandardOutput.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(15)) || line.Result is null)
            throw new TimeoutException($"pid {Pid} printed nothing: {(_process.HasExited ? _process.StandardError.ReadToEnd() : "still running")}");
        return line.Result;
    }

    /// <summary>Closes its stdin, waits (at most 30 s) for it to exit 0 and returns its stdout.</summary>
    public string Finish()
    {
        _process.StandardInput.Close();
        Task<string> output = _process.StandardOutput.ReadToEndAsync();
        Task<string> error = _process.StandardError.ReadToEndAsync();
        string command = $"{_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList)}";
        if (!_process.WaitForExit(30_000))
            throw new TimeoutException(command + " did not finish in 30 s");
        if (_process.ExitCode != 0)
            throw new InvalidOperationException($"{command} exited {_process.ExitCode}: {error.Result.Trim()}");
        return output.Result;
    }

    /// <summary>Waits until the child's /proc/PID/maps contains <paramref name="text"/> (it has exec'ed or mapped it).</summary>
    public void WaitUntilMaps(string text) =>
        Tools.WaitUntil(() => TryReadMaps()?.Contains(text, StringComparison.Ordinal) == true, $"pid {Pid} to map {text}");

    public string? TryReadMaps()
    {
        try
        {
            return File.ReadAllText($"/proc/{Pid}/maps");
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}

public static class Tools
{
    public static Sha256Digest Sha256Sum(string path)
    {
        string output = Run("sha256sum", "--", path);
        Assert.True(Sha256Digest.TryParse(output[..64], out Sha256Digest digest, out string? error), error);
        return digest;
    }

    public static void WaitUntil(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(15))
                throw new TimeoutException("timed out waiting for " + what);
            Thread.Sleep(10);
        }
    }

    public static string Run(string file, params string[] arguments)
    {
        using var child = ChildProcess.Start(file, arguments);
        return child.Finish();
    }

    public static void TryRun(string file, params string[] arguments)
    {
        try
        {
            Run(file, arguments);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
        }
    }
}
