// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests;

/// <summary>The decision log: a structured line per DROP (per ACCEPT with --log-accept), rate-limited with a summary.</summary>
public sealed class DecisionLogTests : IDisposable
{
    private readonly NetnsBed _bed = new();

    public DecisionLogTests() => NfQueueRule.Insert(_bed, _bed.A, "OUTPUT", 0, bypass: false, "-p", "udp");

    private static string[] DecisionLines(AppFwDaemon daemon, string verdict) =>
        daemon.Stderr.Split('\n').Where(l => l.Contains($"decision verdict={verdict} ", StringComparison.Ordinal)).ToArray();

    private static void WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition() && DateTime.UtcNow < deadline) Thread.Sleep(50);
    }

    [Fact]
    public void Drops_are_logged_with_the_five_tuple_and_rule_and_the_excess_is_summarised()
    {
        using var daemon = AppFwDaemon.StartWithRules(_bed, _bed.A,
            "-A -c OUTPUT -p udp --dport 5001 -v DROP\n", "--log-rate", "5", "--queue-in", "off", "--queue-fwd", "off");

        var arrived = UdpProbe.Count(_bed, _bed.A, _bed.B, 4, [5001, 5002], perPort: 100);
        Assert.Equal((0L, 100L), (arrived[5001], arrived[5002]));
        WaitFor(() => daemon.Stderr.Contains("lines suppressed", StringComparison.Ordinal));

        var drops = DecisionLines(daemon, "DROP");
        Assert.NotEmpty(drops);
        Assert.True(drops.Length < 100, $"{drops.Length} DROP lines for 100 drops at 5 lines/s");
        Assert.All(drops, line => Assert.Matches(
            $@"decision verdict=DROP chain=OUTPUT queue=0 proto=udp src={_bed.A4.Replace(".", @"\.")} sport=\d+ dst={_bed.B4.Replace(".", @"\.")} dport=5001 rule=1 version=1 ", line));
        Assert.Empty(DecisionLines(daemon, "ACCEPT"));
        Assert.Matches(@"decision log: \d+ lines suppressed \(rate limit 5 lines/s per queue\)", daemon.Stderr);
    }

    [Fact]
    public void With_log_accept_accepts_are_logged_too_with_the_policy()
    {
        using var daemon = AppFwDaemon.StartWithRules(_bed, _bed.A,
            "-A -c OUTPUT -p udp --dport 5001 -v DROP\n", "--log-accept", "--queue-in", "off", "--queue-fwd", "off");

        UdpProbe.Count(_bed, _bed.A, _bed.B, 6, [5002], perPort: 5);
        WaitFor(() => DecisionLines(daemon, "ACCEPT").Length >= 5);

        var accepts = DecisionLines(daemon, "ACCEPT");
        Assert.Equal(5, accepts.Length);
        Assert.All(accepts, line => Assert.Contains($"dst={_bed.B6} dport=5002 rule=policy", line));
    }

    [Fact]
    public void When_the_identity_path_knows_the_holders_their_pid_and_executable_are_named()
    {
        // A digest nobody maps: the rule never matches, but judging consults the holders of every UDP packet to 5001
        // (policy ACCEPT, logged with --log-accept).
        using var daemon = AppFwDaemon.StartWithRules(_bed, _bed.A,
            "-A -c OUTPUT -p udp --dport 5001 --sng-hash 0101010101010101010101010101010101010101010101010101010101010101 -v DROP\n",
            "--log-accept", "--log-rate", "1000", "--queue-in", "off", "--queue-fwd", "off");

        // A sender that lives a while: its later datagrams are judged on the hot path with its holders known.
        _bed.Exec(_bed.A, "python3", "-c",
            $"import socket,time\ns=socket.socket()\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n" +
            $"for i in range(30):\n    s.sendto(b'x',('{_bed.B4}',5001)); time.sleep(0.02)\n").EnsureSuccess();
        WaitFor(() => DecisionLines(daemon, "ACCEPT").Any(l => !l.EndsWith("holders=?", StringComparison.Ordinal)));

        Assert.Contains(DecisionLines(daemon, "ACCEPT"), line => System.Text.RegularExpressions.Regex.IsMatch(line, @"dport=5001 rule=policy .*holders=\d+:/\S*python3"));
    }

    /// <summary>
    /// A fresh process maps a library a DROP rule names just before it sends: its image is not in memory (or stale)
    /// when its packet comes, so the attribution actor decides it, and that decision is logged like the reader's.
    /// </summary>
    [Fact]
    public void Drops_decided_after_a_deferral_are_logged_with_the_rule_and_the_holders()
    {
        const int Senders = 3;
        using var files = new Attribution.ProgramCopies();
        string blocked = files.BuildLibrary("libblocked-log.so");
        using var daemon = AppFwDaemon.StartWithRules(_bed, _bed.A,
            $"-A -c OUTPUT -p udp --dport 5001 --sng-hash {Attribution.ProgramCopies.DigestOf(blocked)} -v DROP\n",
            "--log-rate", "1000", "--attrib-wait", "5000", "--queue-in", "off", "--queue-fwd", "off");

        for (int i = 0; i < Senders; i++)
        {
            // Alive a while after sending: the holders are still there when the line is written.
            _bed.Exec(_bed.A, Attribution.AttributionBed.Python3, "-c",
                $"import ctypes,socket,time\nctypes.CDLL('{blocked}')\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n" +
                $"s.sendto(b'x',('{_bed.B4}',5001)); time.sleep(1)\n").EnsureSuccess();
        }
        var stats = daemon.RequestStatsUntil(s => s.Queue(0).Dropped >= Senders && s.Queue(0).AllDecided, TimeSpan.FromSeconds(15));
        WaitFor(() => DecisionLines(daemon, "DROP").Length >= Senders);

        var counters = Attribution.IdentityCounters.Of(stats, 0);
        Assert.True(counters.Deferred >= 1, $"no packet was deferred: the attribution actor decided nothing\n{stats}");
        var drops = DecisionLines(daemon, "DROP");
        Assert.True(drops.Length == Senders, $"{drops.Length} DROP lines for {stats.Queue(0).Dropped} drops ({counters.Deferred} deferred)\nstderr: {daemon.Stderr}");
        Assert.All(drops, line => Assert.Matches(
            $@"decision verdict=DROP chain=OUTPUT queue=0 proto=udp src={_bed.A4.Replace(".", @"\.")} sport=\d+ dst={_bed.B4.Replace(".", @"\.")} dport=5001 rule=1 version=1 ", line));
        Assert.Contains(drops, line => System.Text.RegularExpressions.Regex.IsMatch(line, @"holders=\d+:/\S*python3"));
    }

    public void Dispose() => _bed.Dispose();
}
