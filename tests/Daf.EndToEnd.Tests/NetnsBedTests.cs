// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests;

/// <summary>The bed itself, with no daemon: what every other test relies on.</summary>
public sealed class NetnsBedTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void Udp_and_tcp_flow_between_the_two_namespaces(int ipVersion)
    {
        using var bed = new NetnsBed();
        string server = bed.Address(bed.B, ipVersion);
        using var receiver = UdpReceiver.Start(bed, bed.B, server, 5002);
        using var tcp = TcpServer.Start(bed, bed.B, server, 5003);

        var sent = UdpSender.Send(bed, bed.A, server, [5002], perPort: 200);
        var transfer = TcpClient.Send(bed, bed.A, server, 5003, 1 << 20);

        Assert.Equal(200, sent[5002]);
        Assert.Equal(200, receiver.StopAndCount());
        Assert.True(transfer.Succeeded, transfer.Describe());
        Assert.Equal([1L << 20], tcp.WaitForClosedConnections(1));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void A_routed_bed_forwards_between_its_ends_through_the_router(int ipVersion)
    {
        using var bed = new NetnsBed(routed: true);

        var arrived = UdpProbe.Count(bed, bed.A, bed.B, ipVersion, [5002], perPort: 50);
        var back = UdpProbe.Count(bed, bed.B, bed.A, ipVersion, [5002], perPort: 50);
        var route = bed.Exec(bed.A, "ip", "route", "get", bed.Address(bed.B, ipVersion)).EnsureSuccess().Stdout;

        Assert.Equal(50, arrived[5002]);
        Assert.Equal(50, back[5002]);
        Assert.Contains($"via {bed.Address(bed.R!, ipVersion)}", route);
    }

    [Fact]
    public void Dispose_removes_both_namespaces_and_kills_their_processes()
    {
        var bed = new NetnsBed();
        int sleeper = bed.Start(bed.A, "sleep", "600").Pid;
        bed.Dispose();

        Assert.False(Directory.Exists($"/proc/{sleeper}"), $"process {sleeper} survived the bed");
        var left = NetnsProcess.Run(["ip", "netns", "list"], TimeSpan.FromSeconds(10)).EnsureSuccess().Stdout;
        Assert.DoesNotContain(bed.A, left);
        Assert.DoesNotContain(bed.B, left);
    }

    [Fact]
    public void Beds_get_distinct_names_and_subnets()
    {
        using var one = new NetnsBed();
        using var two = new NetnsBed();
        Assert.NotEqual(one.A, two.A);
        Assert.NotEqual(one.Subnet4, two.Subnet4);
        Assert.NotEqual(one.Subnet6, two.Subnet6);
    }

    [Theory]
    [InlineData(true, 100)]
    [InlineData(false, 0)]
    public void Queue_rule_with_no_program_bound_passes_only_with_queue_bypass(bool bypass, int expected)
    {
        using var bed = new NetnsBed();
        string server = bed.Address(bed.B, 4);
        NfQueueRule.Insert(bed, bed.A, "OUTPUT", 0, bypass, "-p", "udp");
        using var receiver = UdpReceiver.Start(bed, bed.B, server, 5002);

        UdpSender.Send(bed, bed.A, server, [5002], perPort: 100);

        Assert.Equal(expected, receiver.StopAndCount());
    }
}
