// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests;

public sealed class QueueBypassTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void After_the_daemon_is_killed_traffic_passes_only_with_queue_bypass(bool bypass)
    {
        using var bed = new NetnsBed();
        NfQueueRule.Insert(bed, bed.A, "OUTPUT", 0, bypass, "-p", "udp");
        using var daemon = AppFwDaemon.Start(bed, bed.A);

        var whileRunning = UdpProbe.Count(bed, bed.A, bed.B, 4, [5002]);
        var stats = daemon.RequestStatsUntil(s => s.Queue(0).AllDecided);
        Assert.Equal(100, whileRunning[5002]);
        Assert.True(stats.Queue(0).Accepted >= 100, $"traffic did not go through the daemon: {stats}");

        daemon.Kill();
        Assert.True(daemon.HasExited);
        var afterKill = UdpProbe.Count(bed, bed.A, bed.B, 4, [5002]);

        Assert.Equal(bypass ? 100 : 0, afterKill[5002]);
    }
}
