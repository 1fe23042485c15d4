// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests;

public sealed class InputChainTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void Input_rule_on_a_source_cidr_and_port_drops_only_matching_inbound_datagrams(int ipVersion)
    {
        using var bed = new NetnsBed();
        NfQueueRule.InsertOutputAndInput(bed, bed.A, bypass: false, "-p", "udp");
        string peer = ipVersion == 4 ? bed.Subnet4 : bed.Subnet6;
        // Documentation prefixes: they only appear in the rule, never as traffic.
        string elsewhere = ipVersion == 4 ? "192.0.2.0/24" : "2001:db8::/32";
        using var daemon = AppFwDaemon.StartWithRules(bed, bed.A, $"""
            -A -c INPUT -p udp -s {peer} --dport 5001 -v DROP
            -A -c INPUT -p udp -s {elsewhere} --dport 5002 -v DROP
            """);

        var inbound = UdpProbe.Count(bed, bed.B, bed.A, ipVersion, [5001, 5002]);
        var outbound = UdpProbe.Count(bed, bed.A, bed.B, ipVersion, [5001]);

        Assert.Equal(0, inbound[5001]);
        Assert.Equal(100, inbound[5002]);
        Assert.Equal(100, outbound[5001]);
        var stats = daemon.RequestStatsUntil(s => s.Queues.All(q => q.AllDecided));
        var input = stats.Queue(1);
        var output = stats.Queue(0);
        Assert.True(input.Dropped == 100 && input.Accepted == 100, $"INPUT queue: accepted {input.Accepted}, dropped {input.Dropped}; expected 100/100: {stats}");
        Assert.True(output.Dropped == 0 && output.Accepted == 100, $"OUTPUT queue: accepted {output.Accepted}, dropped {output.Dropped}; expected 100/0: {stats}");
    }
}
