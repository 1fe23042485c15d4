// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests;

/// <summary>
/// --install-rules inside a test namespace: app-fw's chains and jumps appear with iptables and ip6tables,
/// traffic goes through them, other rules are untouched, and exactly app-fw's set goes away at exit; a set
/// left by kill -9 is replaced, never duplicated.
/// </summary>
public sealed class InstallRulesTests : IDisposable
{
    private static readonly string[] Families = ["iptables", "ip6tables"];
    private readonly NetnsBed _bed = new();
    private readonly string _state = Directory.CreateTempSubdirectory("daf-e2e-install-").FullName;

    public InstallRulesTests()
    {
        // Someone else's rules, which app-fw must leave alone.
        foreach (var tool in Families)
        {
            _bed.Exec(_bed.A, tool, "-w", "-A", "OUTPUT", "-p", "tcp", "--dport", "1234", "-j", "ACCEPT").EnsureSuccess();
            _bed.Exec(_bed.A, tool, "-w", "-N", "OTHER").EnsureSuccess();
            _bed.Exec(_bed.A, tool, "-w", "-A", "INPUT", "-p", "udp", "--dport", "4321", "-j", "OTHER").EnsureSuccess();
        }
        File.WriteAllText(Path.Combine(_state, "seed.rules"), "-A -c OUTPUT -p udp --dport 5001 -v DROP\n");
    }

    private AppFwDaemon StartDaemon(params string[] args) =>
        AppFwDaemon.Start(_bed, _bed.A, ["--state-dir", _state, "--rules", Path.Combine(_state, "seed.rules"), "--install-rules", .. args]);

    private string Listing(string tool) => _bed.Exec(_bed.A, tool, "-w", "-S").EnsureSuccess().Stdout;

    private Dictionary<string, string> Listings() => Families.ToDictionary(t => t, Listing);

    private static string[] Lines(string listing) => listing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static void AssertInstalled(string listing, string queueSuffix)
    {
        var lines = Lines(listing);
        foreach (var (chain, queue) in new[] { ("OUTPUT", 0), ("INPUT", 1), ("FORWARD", 2) })
        {
            Assert.Single(lines, l => l == $"-N DAF-{chain}");
            Assert.Single(lines, l => l == $"-A {chain} -j DAF-{chain}");
            Assert.Equal([$"-A DAF-{chain} -j NFQUEUE --queue-num {queue}{queueSuffix}"], lines.Where(l => l.StartsWith($"-A DAF-{chain} ", StringComparison.Ordinal)));
        }
        // The jump comes first in its chain, before the rules that were there.
        Assert.Equal("-A OUTPUT -j DAF-OUTPUT", lines.First(l => l.StartsWith("-A OUTPUT ", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_set_appears_for_both_families_judges_traffic_and_SIGTERM_removes_exactly_it()
    {
        var before = Listings();

        using (var daemon = StartDaemon())
        {
            foreach (var tool in Families)
            {
                string listing = Listing(tool);
                AssertInstalled(listing, " --queue-bypass");
                foreach (var line in Lines(before[tool])) Assert.Contains(line, Lines(listing));
            }
            foreach (int ipVersion in new[] { 4, 6 })
            {
                var arrived = UdpProbe.Count(_bed, _bed.A, _bed.B, ipVersion, [5001, 5002], perPort: 50);
                Assert.Equal(0, arrived[5001]);
                Assert.Equal(50, arrived[5002]);
            }
            daemon.Stop();
            Assert.Contains("removed the NFQUEUE jumps", daemon.Stderr);
        }

        Assert.Equal(before, Listings());
    }

    [Fact]
    public void After_kill_9_the_set_stays_and_the_next_start_replaces_it_once()
    {
        var before = Listings();
        using (var first = StartDaemon())
            first.Kill();
        foreach (var tool in Families) AssertInstalled(Listing(tool), " --queue-bypass");

        using (var second = StartDaemon())
        {
            foreach (var tool in Families) AssertInstalled(Listing(tool), " --queue-bypass");
            var arrived = UdpProbe.Count(_bed, _bed.A, _bed.B, 4, [5001, 5002], perPort: 50);
            Assert.Equal(0, arrived[5001]);
            Assert.Equal(50, arrived[5002]);
            second.Stop();
        }

        Assert.Equal(before, Listings());
    }

    [Fact]
    public void A_restart_with_fewer_queues_removes_the_chains_of_the_queues_now_off()
    {
        using (var first = StartDaemon())
            first.Kill();

        using var second = StartDaemon("--queue-fwd", "off", "--queue-in", "off");

        foreach (var tool in Families)
        {
            var lines = Lines(Listing(tool));
            Assert.Single(lines, l => l == "-A OUTPUT -j DAF-OUTPUT");
            Assert.DoesNotContain(lines, l => l.Contains("DAF-INPUT") || l.Contains("DAF-FORWARD"));
        }
        second.Stop();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Fail_closed_drops_without_app_fw_and_fail_open_lets_through(bool failClosed)
    {
        using var daemon = failClosed ? StartDaemon("--fail-closed") : StartDaemon();
        foreach (var tool in Families) AssertInstalled(Listing(tool), failClosed ? "" : " --queue-bypass");

        daemon.Kill();
        var arrived = UdpProbe.Count(_bed, _bed.A, _bed.B, 4, [5002], perPort: 20);

        Assert.Equal(failClosed ? 0 : 20, arrived[5002]);
    }

    public void Dispose()
    {
        _bed.Dispose();
        try { Directory.Delete(_state, recursive: true); } catch (IOException) { /* best effort */ }
    }
}
