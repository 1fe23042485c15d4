// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Daf.EndToEnd.Tests;

public sealed class FragmentTests(ITestOutputHelper output)
{
    // The payload repeats the dropped port's number (5001 = 0x1389), so a daemon that read ports out of
    // a non-first fragment would find the dropped port there.
    private const string PortLookalike = "1389";

    [Theory]
    [InlineData(4, "")]
    [InlineData(6, "")]
    [InlineData(4, "-P")]
    [InlineData(6, "-P")]
    public void Datagrams_larger_than_the_mtu_are_judged_by_their_ports_in_both_directions(int ipVersion, string options)
    {
        using var bed = new NetnsBed();
        NfQueueRule.InsertOutputAndInput(bed, bed.A, bypass: false, "-p", "udp");
        using var daemon = AppFwDaemon.StartWithRules(bed, bed.A, """
            -A -c OUTPUT -p udp --dport 5001 -v DROP
            -A -c INPUT -p udp --dport 5001 -v DROP
            """, options.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        var outbound = UdpProbe.Count(bed, bed.A, bed.B, ipVersion, [5001, 5002], perPort: 20, size: 8000, fill: PortLookalike);
        var inbound = UdpProbe.Count(bed, bed.B, bed.A, ipVersion, [5001, 5002], perPort: 20, size: 8000, fill: PortLookalike);

        Assert.Equal(0, outbound[5001]);
        Assert.Equal(20, outbound[5002]);
        Assert.Equal(0, inbound[5001]);
        Assert.Equal(20, inbound[5002]);
        var stats = daemon.RequestStatsUntil(s => s.Queues.All(q => q.AllDecided));
        output.WriteLine(stats.ToString());
        Assert.True(stats.Queues.All(q => q.AllDecided), $"undecided packets: {stats}");
    }
}
