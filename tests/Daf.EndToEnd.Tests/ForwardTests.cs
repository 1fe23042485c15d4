// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests;

/// <summary>app-fw on a router namespace, judging what it forwards between A and B.</summary>
public sealed class ForwardTests
{
    [Theory]
    [InlineData(4, false)]
    [InlineData(6, false)]
    [InlineData(4, true)]
    [InlineData(6, true)]
    public void Forward_queue_applies_forward_rules_and_policy(int ipVersion, bool policyDrop)
    {
        using var bed = new NetnsBed(routed: true);
        string router = bed.R!;
        NfQueueRule.Insert(bed, router, "FORWARD", 2, bypass: false, "-p", "udp");
        string rules = policyDrop
            ? "-A -c FORWARD -p udp --dport 5002 -v ACCEPT\n"
            : "-A -c FORWARD -p udp --dport 5001 -v DROP\n";
        string[] args = policyDrop ? ["--pol-fwd", "DROP"] : [];
        using var daemon = AppFwDaemon.StartWithRules(bed, router, rules, args);

        var arrived = UdpProbe.Count(bed, bed.A, bed.B, ipVersion, [5001, 5002, 5003]);

        Assert.Equal(0, arrived[5001]);
        Assert.Equal(100, arrived[5002]);
        Assert.Equal(policyDrop ? 0 : 100, arrived[5003]);
        var q = daemon.RequestStatsUntil(s => s.Queue(2).AllDecided).Queue(2);
        long accepted = policyDrop ? 100 : 200;
        Assert.True(q.Chain == "FORWARD" && q.Received == 300 && q.Accepted == accepted && q.Dropped == 300 - accepted,
            $"FORWARD queue: received {q.Received}, accepted {q.Accepted}, dropped {q.Dropped}; expected 300/{accepted}/{300 - accepted}");
    }
}
