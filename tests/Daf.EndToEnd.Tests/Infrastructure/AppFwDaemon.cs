// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using System.Text.Json;

namespace Daf.EndToEnd.Tests.Infrastructure;

/// <summary>
/// bin/app-fw running inside one of a bed's namespaces with its own state directory. Start returns once
/// the daemon printed `app-fw: ready`. Disposing always kills it and removes the state directory.
/// </summary>
public sealed class AppFwDaemon : IDisposable
{
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(20);
    public static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(2);

    private readonly NetnsProcess _process;

    private AppFwDaemon(NetnsBed bed, string ns, string stateDir, string[] args, string? binary = null,
        IReadOnlyList<string>? environment = null)
    {
        StateDir = stateDir;
        Namespace = ns;
        if (binary is null) EnsureBinary();
        // env(1) execs app-fw: the pid stays the one signalled.
        string[] prefix = environment is { Count: > 0 } ? ["env", .. environment] : [];
        _process = bed.Start(ns, [.. prefix, binary ?? RepoRoot.AppFw, "--state-dir", stateDir, .. args]);
        string? ready = _process.WaitForLine(l => l.StartsWith("app-fw: ready", StringComparison.Ordinal), ReadyTimeout);
        if (ready is null)
        {
            bool exited = _process.WaitForExit(TimeSpan.FromMilliseconds(200));
            string why = exited ? $"exited {_process.ExitCode}" : $"not ready within {ReadyTimeout.TotalSeconds} s";
            string message = $"app-fw {why}: `{_process.CommandLine}`\nstderr: {_process.Stderr.Trim()}\nstdout: {_process.Stdout.Trim()}";
            Dispose();
            throw new Xunit.Sdk.XunitException(message);
        }
    }

    public string Namespace { get; }
    public string StateDir { get; }
    public string StatsPath => Path.Combine(StateDir, "stats.json");
    public int Pid => _process.Pid;
    public string Stdout => _process.Stdout;
    public string Stderr => _process.Stderr;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>How long the last <see cref="Stop"/> took from SIGTERM to exit.</summary>
    public TimeSpan? StopElapsed { get; private set; }

    public static AppFwDaemon Start(NetnsBed bed, string ns, params string[] args) =>
        new(bed, ns, CreateStateDir(), args);

    /// <summary>Writes <paramref name="rules"/> to a rules file in the state directory and passes `--rules`.</summary>
    public static AppFwDaemon StartWithRules(NetnsBed bed, string ns, string rules, params string[] args)
    {
        string stateDir = CreateStateDir();
        string rulesFile = Path.Combine(stateDir, "rules");
        File.WriteAllText(rulesFile, rules);
        return new AppFwDaemon(bed, ns, stateDir, ["--rules", rulesFile, .. args]);
    }

    /// <summary>
    /// The test build of app-fw (beside the test assembly, built in the FaultInjection configuration) with
    /// <paramref name="rules"/> seeded: it takes faults through <see cref="InjectFault"/>.
    /// </summary>
    public static AppFwDaemon StartFaultInjectable(NetnsBed bed, string ns, string rules, params string[] args)
    {
        string stateDir = CreateStateDir();
        string rulesFile = Path.Combine(stateDir, "seed.rules");
        File.WriteAllText(rulesFile, rules);
        return new AppFwDaemon(bed, ns, stateDir, ["--rules", rulesFile, .. args], RepoRoot.FaultInjectableAppFw);
    }

    /// <summary>
    /// Asks the fault-injectable daemon to fail: <paramref name="line"/> is `ACTOR-PATH throw|throw-mid-batch|kill|block MS`
    /// (path under /user). Returns once the daemon took the request (it deletes the file).
    /// </summary>
    public void InjectFault(string line)
    {
        string path = Path.Combine(StateDir, "inject-fault");
        File.WriteAllText(path + ".tmp", line + "\n");
        File.Move(path + ".tmp", path);
        var clock = Stopwatch.StartNew();
        while (File.Exists(path))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(20) || _process.HasExited)
                throw new Xunit.Sdk.XunitException($"app-fw did not take the fault '{line}' (exited: {_process.HasExited})\nstderr: {Stderr.Trim()}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Like <see cref="Start"/> with <c>NAME=VALUE</c> assignments added to app-fw's environment.</summary>
    public static AppFwDaemon StartWithEnvironment(NetnsBed bed, string ns, IReadOnlyList<string> environment, params string[] args) =>
        new(bed, ns, CreateStateDir(), args, environment: environment);

    /// <summary>Runs app-fw to completion (for command-line checks), with a throwaway state directory.</summary>
    public static ExecResult Run(NetnsBed bed, string ns, params string[] args)
    {
        EnsureBinary();
        string stateDir = CreateStateDir();
        try
        {
            return bed.Exec(ns, TimeSpan.FromSeconds(20), [RepoRoot.AppFw, "--state-dir", stateDir, .. args]);
        }
        finally
        {
            TryDelete(stateDir);
        }
    }

    /// <summary>Sends SIGUSR1 and returns the stats.json the daemon writes in answer.</summary>
    public DaemonStats RequestStats(TimeSpan? timeout = null)
    {
        string? before = TryRead(StatsPath);
        _process.Signal(Signals.SIGUSR1);
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(5);
        while (deadline.Elapsed < limit)
        {
            string? now = TryRead(StatsPath);
            if (now is not null && now != before)
            {
                try
                {
                    return DaemonStats.Parse(now);
                }
                catch (JsonException)
                {
                    // A writer that is not atomic after all: try again; the final message says so.
                }
            }
            if (_process.HasExited)
                break;
            Thread.Sleep(20);
        }
        throw new Xunit.Sdk.XunitException(
            $"app-fw wrote no new {StatsPath} within {limit.TotalSeconds} s of SIGUSR1 (exited: {_process.HasExited})\n" +
            $"file: {TryRead(StatsPath)}\nstderr: {Stderr.Trim()}");
    }

    /// <summary>
    /// Polls stats until <paramref name="settled"/> holds (e.g. every queued packet decided) or the timeout
    /// passes; returns the last stats either way so the caller's assertions explain a failure.
    /// </summary>
    public DaemonStats RequestStatsUntil(Func<DaemonStats, bool> settled, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(5);
        var elapsed = Stopwatch.StartNew();
        var stats = RequestStats();
        while (!settled(stats) && elapsed.Elapsed < limit)
        {
            Thread.Sleep(50);
            stats = RequestStats();
        }
        return stats;
    }

    /// <summary>stats.json as the daemon left it (the one written at exit, after a stop).</summary>
    public DaemonStats ReadStats() =>
        DaemonStats.Parse(TryRead(StatsPath) ?? throw new Xunit.Sdk.XunitException($"no {StatsPath}\nstderr: {Stderr.Trim()}"));

    /// <summary>
    /// SIGTERM (or <paramref name="signal"/>); asserts exit status 0 within <see cref="StopDeadline"/> and
    /// records the time taken.
    /// </summary>
    public TimeSpan Stop(int signal = Signals.SIGTERM)
    {
        var clock = Stopwatch.StartNew();
        _process.Signal(signal);
        bool exited = _process.WaitForExit(StopDeadline + TimeSpan.FromSeconds(8));
        var elapsed = clock.Elapsed;
        StopElapsed = elapsed;
        if (!exited)
        {
            Kill();
            throw new Xunit.Sdk.XunitException($"app-fw still running {elapsed.TotalSeconds:F1} s after signal {signal}\nstderr: {Stderr.Trim()}");
        }
        Assert.True(_process.ExitCode == 0, $"app-fw exited {_process.ExitCode} on signal {signal}\nstderr: {Stderr.Trim()}");
        Assert.True(elapsed <= StopDeadline, $"app-fw took {elapsed.TotalMilliseconds:F0} ms to exit on signal {signal} (limit {StopDeadline.TotalMilliseconds} ms)");
        return elapsed;
    }

    public void Signal(int signal) => _process.Signal(signal);

    /// <summary>SIGKILL, and wait until it is gone.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            try { _process.Signal(Signals.SIGKILL); } catch (Exception) { /* raced with its exit */ }
        }
        _process.WaitForExit(TimeSpan.FromSeconds(5));
    }

    public void Dispose()
    {
        _process.Dispose();
        TryDelete(StateDir);
    }

    private static void EnsureBinary()
    {
        if (!File.Exists(RepoRoot.AppFw))
            throw new Xunit.Sdk.XunitException($"{RepoRoot.AppFw} is missing: run `make` first");
    }

    private static string CreateStateDir() => Directory.CreateTempSubdirectory("daf-e2e-state-").FullName;

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); } catch (Exception) { /* best effort */ }
    }
}
