// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Daf.Interop.Namespaces;

namespace Daf.Interop.Tests;

/// <summary>
/// A uniquely named network namespace with loopback up, deleted (with its iptables rules and routes) on
/// Dispose. All test traffic stays inside it.
/// </summary>
public sealed class TestNetns : IDisposable
{
    private int _disposed;

    public TestNetns(string prefix = "daf-nfq")
    {
        Name = prefix + "-" + Convert.ToHexString(Guid.NewGuid().ToByteArray().AsSpan(0, 4)).ToLowerInvariant();
        Run("ip", "netns", "add", Name);
        try
        {
            Run("ip", "-n", Name, "link", "set", "lo", "up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name { get; }

    public string Path => "/run/netns/" + Name;

    /// <summary>Runs a command inside the namespace (ip netns exec); throws with its stderr when it fails.</summary>
    public string Exec(params string[] command) => Run("ip", ["netns", "exec", Name, .. command]);

    /// <summary>Runs <paramref name="body"/> on a thread inside the namespace (sockets made there stay there).</summary>
    public T RunIn<T>(Func<T> body) => NetworkNamespace.RunIn(Path, body);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
            TryRun("ip", "netns", "del", Name);
    }

    public static string Run(string file, params string[] arguments)
    {
        (int exitCode, string output, string error) = Execute(file, arguments);
        if (exitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {exitCode}: {error.Trim()}");
        return output;
    }

    private static void TryRun(string file, params string[] arguments) => Execute(file, arguments);

    private static (int ExitCode, string Output, string Error) Execute(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(20_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish in 20 s");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
