// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests;

public sealed class QueueBypassTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void After_kill_9_traffic_passes_only_with_queue_bypass_and_a_restart_brings_the_rules_back(bool bypass)
    {
        using var bed = new NetnsBed();
        NfQueueRule.Insert(bed, bed.A, "OUTPUT", 0, bypass, "-p", "udp");
        using var daemon = AppFwDaemon.StartWithRules(bed, bed.A, "-A -c OUTPUT -p udp --dport 5001 -v DROP\n");

        var whileRunning = UdpProbe.Count(bed, bed.A, bed.B, 4, [5001, 5002]);
        var stats = daemon.RequestStatsUntil(s => s.Queue(0).AllDecided);
        Assert.Equal(100, whileRunning[5002]);
        Assert.Equal(0, whileRunning[5001]);
        Assert.True(stats.Queue(0).Accepted >= 100, $"traffic did not go through the daemon: {stats}");

        daemon.Kill();
        Assert.True(daemon.HasExited);
        var afterKill = UdpProbe.Count(bed, bed.A, bed.B, 4, [5001, 5002]);

        Assert.Equal(bypass ? 100 : 0, afterKill[5002]);
        Assert.Equal(bypass ? 100 : 0, afterKill[5001]);

        // The rules come back from STATE_DIR/rules (the seed file is not given again).
        using var restarted = AppFwDaemon.Start(bed, bed.A, "--state-dir", daemon.StateDir);
        Assert.Contains("restored 1 rule", restarted.Stderr);
        var afterRestart = UdpProbe.Count(bed, bed.A, bed.B, 4, [5001, 5002]);
        Assert.Equal(100, afterRestart[5002]);
        Assert.Equal(0, afterRestart[5001]);
        restarted.Stop();
    }
}
