// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests;

public sealed class PolicyTests
{
    [Theory]
    [InlineData(4, false)]
    [InlineData(6, false)]
    [InlineData(4, true)]
    [InlineData(6, true)]
    public void Policy_drop_drops_what_no_rule_accepts_and_an_accept_rule_lets_its_port_through(int ipVersion, bool policyInRulesFile)
    {
        using var bed = new NetnsBed();
        // Only UDP is queued: IPv6 neighbour discovery must not meet the DROP policy.
        NfQueueRule.Insert(bed, bed.A, "OUTPUT", 0, bypass: false, "-p", "udp");
        string rules = "-A -c OUTPUT -p udp --dport 5002 -v ACCEPT\n" + (policyInRulesFile ? "-P OUTPUT DROP\n" : "");
        string[] args = policyInRulesFile ? [] : ["--pol-out", "DROP"];
        using var daemon = AppFwDaemon.StartWithRules(bed, bed.A, rules, args);

        var arrived = UdpProbe.Count(bed, bed.A, bed.B, ipVersion, [5001, 5002, 5003], perPort: 100);

        Assert.Equal(0, arrived[5001]);
        Assert.Equal(100, arrived[5002]);
        Assert.Equal(0, arrived[5003]);
        var q = daemon.RequestStatsUntil(s => s.Queue(0).AllDecided).Queue(0);
        Assert.True(q.Accepted == 100 && q.Dropped == 200 && q.Received == 300,
            $"OUTPUT queue: received {q.Received}, accepted {q.Accepted}, dropped {q.Dropped}; expected 300/100/200");
    }
}
