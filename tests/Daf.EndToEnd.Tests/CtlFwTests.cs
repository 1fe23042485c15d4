// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests;

/// <summary>bin/ctl-fw against bin/app-fw in a namespace, over the control transport.</summary>
public sealed class CtlFwTests : IDisposable
{
    private static readonly TimeSpan CtlTimeout = TimeSpan.FromSeconds(40);
    private static string CtlFwPath => Path.Combine(RepoRoot.Path, "bin", "ctl-fw");

    private readonly NetnsBed _bed = new();
    /// <summary>Shared by the daemons of one test (AppFwDaemon's own state directory is overridden by a later --state-dir).</summary>
    private readonly string _state = Directory.CreateTempSubdirectory("daf-e2e-persist-").FullName;

    private ExecResult CtlFw(params string[] args) => _bed.Exec(_bed.A, CtlTimeout, [CtlFwPath, "--state-dir", _state, .. args]);

    private AppFwDaemon StartDaemon(params string[] args) => AppFwDaemon.Start(_bed, _bed.A, ["--state-dir", _state, .. args]);

    [Fact]
    public void Rules_added_with_ctl_fw_survive_kill_9_and_restart()
    {
        NfQueueRule.Insert(_bed, _bed.A, "OUTPUT", 0, bypass: false);
        using (var first = StartDaemon())
        {
            CtlFw("-A", "-c", "OUTPUT", "-p", "udp", "--dport", "5001", "-v", "DROP").EnsureSuccess();
            CtlFw("-I", "1", "-c", "OUTPUT", "-p", "udp", "--dport", "5003", "-v", "ACCEPT").EnsureSuccess();
            var refused = CtlFw("-D", "9", "-c", "OUTPUT");
            Assert.True(refused.ExitCode == 1, refused.Describe());
            Assert.Contains("no rule 9 in chain OUTPUT", refused.Stderr);
            first.Kill();
        }

        using var second = StartDaemon();

        Assert.Contains("restored 2 rules", second.Stderr);
        var arrived = UdpProbe.Count(_bed, _bed.A, _bed.B, 4, [5001, 5002, 5003], perPort: 50);
        Assert.Equal(0, arrived[5001]);
        Assert.Equal(50, arrived[5002]);
        Assert.Equal(50, arrived[5003]);
        var list = CtlFw("-L", "-c", "OUTPUT", "-v").EnsureSuccess();
        string[] lines = list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Chain OUTPUT (policy ACCEPT)", lines[0]);
        Assert.Matches(@"^1 +50  ACCEPT +-p udp --dport 5003$", lines[2]);
        Assert.Matches(@"^2 +50  DROP +-p udp --dport 5001$", lines[3]);
    }

    [Fact]
    public async Task Concurrent_ctl_fw_calls_under_traffic_lose_nothing()
    {
        NfQueueRule.Insert(_bed, _bed.A, "OUTPUT", 0, bypass: false);
        using var daemon = StartDaemon();
        int[] ports = [.. Enumerable.Range(6001, 6)];

        var traffic = Task.Run(() => UdpProbe.Count(_bed, _bed.A, _bed.B, 4, [5002], perPort: 2000));
        var calls = ports.Select(port => Task.Run(() => CtlFw("-A", "-c", "OUTPUT", "-p", "udp", "--dport", $"{port}", "-v", "DROP"))).ToArray();
        ExecResult[] results = await Task.WhenAll(calls);
        var arrived = await traffic;

        foreach (var result in results)
            Assert.True(result.Succeeded, result.Describe());
        Assert.Equal(2000, arrived[5002]);
        string saved = CtlFw("--save").EnsureSuccess().Stdout;
        foreach (int port in ports)
            Assert.Contains($"-A -c OUTPUT -p udp --dport {port} -v DROP", saved);
        Assert.Contains("rules version 7:", daemon.Stderr);
    }

    [Fact]
    public void The_original_readme_ctl_fw_line_works_verbatim()
    {
        using var daemon = StartDaemon();
        var added = OriginalReadme.Run(_bed, _bed.A, _state, OriginalReadme.CtlFwDropCurl, CtlTimeout);

        Assert.True(added.Succeeded, added.Describe());
        string curl = _bed.Exec(_bed.A, "sha256sum", "/usr/bin/curl").EnsureSuccess().Stdout[..64];
        var saved = CtlFw("--save").EnsureSuccess();
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(saved.Stdout, $@"(?m)^-A -c OUTPUT -n /proc/[0-9]+/ns/net --sng-hash {curl} -v DROP$"),
            $"--save printed:\n{saved.Stdout}\nthe README line printed:\n{added.Stdout}{added.Stderr}\napp-fw:\n{daemon.Stderr}");
        string inode = _bed.Exec(_bed.A, "stat", "-L", "-c", "%i", "/proc/self/ns/net").EnsureSuccess().Stdout.Trim();
        Assert.Contains($"--sng-hash {curl} -v DROP # netns {inode}\n", File.ReadAllText(Path.Combine(_state, "rules")));
        var list = CtlFw("-L", "-c", "OUTPUT").EnsureSuccess();
        Assert.Contains($"1    DROP     -n /proc/", list.Stdout);
    }

    public void Dispose()
    {
        _bed.Dispose();
        try { Directory.Delete(_state, recursive: true); } catch (IOException) { /* best effort */ }
    }
}
