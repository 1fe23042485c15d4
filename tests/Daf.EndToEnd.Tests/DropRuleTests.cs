// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests;

public sealed class DropRuleTests
{
    private const string Rules = """
        # one port is closed, everything else passes
        -A -c OUTPUT -p udp --dport 5001 -v DROP
        -A -c OUTPUT -p tcp --dport 5001 -v DROP
        """;

    [Theory]
    [InlineData(4, "")]
    [InlineData(6, "")]
    [InlineData(4, "-P -c 1")]
    [InlineData(6, "-P -b 64 -B 50")]
    public void Drop_rule_on_a_destination_port_blocks_only_that_port(int ipVersion, string options)
    {
        using var bed = new NetnsBed();
        NfQueueRule.Insert(bed, bed.A, "OUTPUT", 0, bypass: false);
        using var daemon = AppFwDaemon.StartWithRules(bed, bed.A, Rules + "\n", options.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        string server = bed.Address(bed.B, ipVersion);

        var arrived = UdpProbe.Count(bed, bed.A, bed.B, ipVersion, [5001, 5002], perPort: 100);

        Assert.Equal(0, arrived[5001]);
        Assert.Equal(100, arrived[5002]);
        var stats = daemon.RequestStatsUntil(s => s.Queue(0).AllDecided);
        Assert.True(stats.Queue(0).Dropped == 100, $"expected exactly the 100 datagrams to port 5001 dropped: {stats}");
        Assert.True(stats.Queue(0).AllDecided, $"undecided packets: {stats}");

        using var closed = TcpServer.Start(bed, bed.B, server, 5001);
        using var open = TcpServer.Start(bed, bed.B, server, 5002);
        var allowed = TcpClient.Send(bed, bed.A, server, 5002, 64 << 10);
        var blocked = TcpClient.Send(bed, bed.A, server, 5001, 64 << 10, timeoutSeconds: 2);
        Assert.True(allowed.Succeeded, allowed.Describe());
        Assert.True(blocked.ExitCode == 3, $"TCP to the dropped port should not connect: {blocked.Describe()}");
        Assert.Empty(closed.ClosedConnections);
    }
}
