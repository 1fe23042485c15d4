// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests;

public sealed class QueueSelectionTests
{
    [Fact]
    public void Queue_out_picks_the_queue_number_the_output_chain_is_served_on()
    {
        using var bed = new NetnsBed();
        NfQueueRule.Insert(bed, bed.A, "OUTPUT", 7, bypass: false, "-p", "udp");
        using var daemon = AppFwDaemon.Start(bed, bed.A, "--queue-out", "7");

        var arrived = UdpProbe.Count(bed, bed.A, bed.B, 4, [5002]);

        Assert.Equal(100, arrived[5002]);
        var stats = daemon.RequestStatsUntil(s => s.Queue(7).AllDecided);
        Assert.True(stats.Queue(7).Chain == "OUTPUT" && stats.Queue(7).Accepted == 100, $"queue 7 should have accepted the 100 datagrams for OUTPUT: {stats}");
        Assert.DoesNotContain(stats.Queues, q => q.Queue == 0);
    }

    [Fact]
    public void Queue_out_off_leaves_the_output_queue_unbound()
    {
        using var bed = new NetnsBed();
        NfQueueRule.Insert(bed, bed.A, "OUTPUT", 0, bypass: false, "-p", "udp");
        using var daemon = AppFwDaemon.Start(bed, bed.A, "--queue-out", "off");

        var arrived = UdpProbe.Count(bed, bed.A, bed.B, 4, [5002]);

        // Nobody serves queue 0 and the rule has no bypass: the kernel drops what it queues.
        Assert.Equal(0, arrived[5002]);
        var stats = daemon.RequestStats();
        Assert.DoesNotContain(stats.Queues, q => q.Queue == 0 || q.Chain == "OUTPUT");
    }

    [Fact]
    public void A_second_daemon_on_a_bound_queue_fails_naming_the_queue_and_the_first_keeps_serving()
    {
        using var bed = new NetnsBed();
        NfQueueRule.Insert(bed, bed.A, "OUTPUT", 0, bypass: false, "-p", "udp");
        using var first = AppFwDaemon.Start(bed, bed.A);

        var second = AppFwDaemon.Run(bed, bed.A);

        Assert.True(!second.TimedOut && second.ExitCode != 0, second.Describe());
        Assert.Contains("queue 0", second.Stderr);
        Assert.False(first.HasExited, $"the first daemon died: {first.Stderr}");
        Assert.Equal(100, UdpProbe.Count(bed, bed.A, bed.B, 4, [5002])[5002]);
    }
}
