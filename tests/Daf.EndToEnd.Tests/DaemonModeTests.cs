// SPDX-License-Identifier: Apache-2.0
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests;

/// <summary>
/// app-fw under a (simulated) systemd: NOTIFY_SOCKET set inside a test namespace, a datagram socket bound by
/// the test (a path: abstract names belong to a network namespace), SIGHUP reloading the rules file.
/// </summary>
public sealed class DaemonModeTests : IDisposable
{
    private readonly NetnsBed _bed = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("daf-e2e-daemon-").FullName;
    private readonly Socket _notify = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly string _notifyPath;
    private readonly string _rules;

    public DaemonModeTests()
    {
        _notifyPath = Path.Combine(_dir, "notify-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)));
        _notify.Bind(new UnixDomainSocketEndPoint(_notifyPath));
        _notify.ReceiveTimeout = 20_000;
        _rules = Path.Combine(_dir, "my.rules");
        NfQueueRule.Insert(_bed, _bed.A, "OUTPUT", 0, bypass: false, "-p", "udp");
    }

    private AppFwDaemon StartDaemon() => AppFwDaemon.StartWithEnvironment(_bed, _bed.A, [$"NOTIFY_SOCKET={_notifyPath}"],
        "--rules", _rules, "--queue-in", "off", "--queue-fwd", "off");

    private Dictionary<string, string> Receive()
    {
        var buffer = new byte[4096];
        int n;
        try
        {
            n = _notify.Receive(buffer);
        }
        catch (SocketException e)
        {
            throw new Xunit.Sdk.XunitException($"no notification from app-fw within 20 s: {e.Message}");
        }
        return Encoding.UTF8.GetString(buffer, 0, n).Split('\n').Select(l => l.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
    }

    /// <summary>Log lines are written by the logger's own thread: they may follow the notification by a moment.</summary>
    private static void WaitForStderr(AppFwDaemon daemon, string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!daemon.Stderr.Contains(text, StringComparison.Ordinal) && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.Contains(text, daemon.Stderr);
    }

    private IReadOnlyDictionary<int, long> Probe() => UdpProbe.Count(_bed, _bed.A, _bed.B, 4, [5001, 5002], perPort: 30);

    [Fact]
    public void Systemd_hears_ready_reloading_and_stopping_and_SIGHUP_swaps_the_rules()
    {
        File.WriteAllText(_rules, "-A -c OUTPUT -p udp --dport 5001 -v DROP\n");
        using var daemon = StartDaemon();

        var ready = Receive();
        Assert.Equal("1", ready["READY"]);
        Assert.Contains("OUTPUT=0", ready["STATUS"]);
        var arrived = Probe();
        Assert.Equal((0L, 30L), (arrived[5001], arrived[5002]));

        File.WriteAllText(_rules, "# now the other port\n-A -c OUTPUT -p udp --dport 5002 -v DROP\n");
        daemon.Signal(Signals.SIGHUP);
        var reloading = Receive();
        Assert.Equal("1", reloading["RELOADING"]);
        Assert.True(ulong.Parse(reloading["MONOTONIC_USEC"]) > 0);
        Assert.Equal("1", Receive()["READY"]);

        arrived = Probe();
        Assert.Equal((30L, 0L), (arrived[5001], arrived[5002]));
        WaitForStderr(daemon, "- -A -c OUTPUT -p udp --dport 5001 -v DROP");
        WaitForStderr(daemon, "+ -A -c OUTPUT -p udp --dport 5002 -v DROP");

        daemon.Stop();
        Assert.Equal("1", Receive()["STOPPING"]);
        // The reload was saved: STATE_DIR/rules holds the reloaded set.
        Assert.Contains("--dport 5002", File.ReadAllText(Path.Combine(daemon.StateDir, "rules")));
    }

    [Fact]
    public void A_bad_file_on_SIGHUP_is_refused_with_its_line_and_the_running_rules_stay()
    {
        File.WriteAllText(_rules, "-A -c OUTPUT -p udp --dport 5001 -v DROP\n");
        using var daemon = StartDaemon();
        Assert.Equal("1", Receive()["READY"]);

        File.WriteAllText(_rules, "-A -c OUTPUT -p udp --dport 5002 -v DROP\n-A -c OUTPUT --dport\n");
        daemon.Signal(Signals.SIGHUP);
        Assert.Equal("1", Receive()["RELOADING"]);
        Assert.Equal("1", Receive()["READY"]);

        WaitForStderr(daemon, $"{_rules}:2: ");
        WaitForStderr(daemon, "the running rules stay");
        var arrived = Probe();
        Assert.Equal((0L, 30L), (arrived[5001], arrived[5002]));
        daemon.Stop();
    }

    public void Dispose()
    {
        _bed.Dispose();
        _notify.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { /* best effort */ }
    }
}
