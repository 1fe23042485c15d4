// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests;

public sealed class PassThroughTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void Without_rules_udp_and_tcp_pass_through_the_output_and_input_queues(int ipVersion)
    {
        using var bed = new NetnsBed();
        // No bypass: whatever arrives was let through by the daemon.
        NfQueueRule.InsertOutputAndInput(bed, bed.A, bypass: false);
        using var daemon = AppFwDaemon.Start(bed, bed.A);

        var outbound = UdpProbe.Count(bed, bed.A, bed.B, ipVersion, [5002], perPort: 300);
        var inbound = UdpProbe.Count(bed, bed.B, bed.A, ipVersion, [5004], perPort: 300);
        Assert.Equal(300, outbound[5002]);
        Assert.Equal(300, inbound[5004]);

        var afterUdp = daemon.RequestStatsUntil(AllDecided);
        AssertAllAccepted(afterUdp);
        Assert.True(afterUdp.Queue(0).Received >= 300, $"OUTPUT queue saw fewer than the 300 datagrams sent: {afterUdp}");
        Assert.True(afterUdp.Queue(1).Received >= 300, $"INPUT queue saw fewer than the 300 datagrams received: {afterUdp}");

        using (var serverB = TcpServer.Start(bed, bed.B, bed.Address(bed.B, ipVersion), 5003))
        using (var serverA = TcpServer.Start(bed, bed.A, bed.Address(bed.A, ipVersion), 5005))
        {
            var upload = TcpClient.Send(bed, bed.A, bed.Address(bed.B, ipVersion), 5003, 1 << 20);
            var download = TcpClient.Send(bed, bed.B, bed.Address(bed.A, ipVersion), 5005, 1 << 20);
            Assert.True(upload.Succeeded, upload.Describe());
            Assert.True(download.Succeeded, download.Describe());
            Assert.Equal([1L << 20], serverB.WaitForClosedConnections(1));
            Assert.Equal([1L << 20], serverA.WaitForClosedConnections(1));
        }

        var afterTcp = daemon.RequestStatsUntil(AllDecided);
        AssertAllAccepted(afterTcp);
        // Each connection puts data and its ACKs through both queues (at least SYN, data, FIN per side).
        Assert.True(afterTcp.Queue(0).Received - afterUdp.Queue(0).Received >= 6, $"TCP barely reached the OUTPUT queue: {afterTcp}");
        Assert.True(afterTcp.Queue(1).Received - afterUdp.Queue(1).Received >= 6, $"TCP barely reached the INPUT queue: {afterTcp}");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void Curl_and_wget_fetch_a_page_through_the_queues(int ipVersion)
    {
        using var bed = new NetnsBed();
        NfQueueRule.InsertOutputAndInput(bed, bed.A, bypass: false);
        using var daemon = AppFwDaemon.Start(bed, bed.A);
        using var http = HttpServer.Start(bed, bed.B, bed.Address(bed.B, ipVersion), 8080);

        var curl = HttpClients.Curl(bed, bed.A, http.Url);
        var wget = HttpClients.Wget(bed, bed.A, http.Url);

        Assert.True(curl.Succeeded, curl.Describe());
        Assert.Equal(HttpServer.Page.Trim(), curl.Stdout.Trim());
        Assert.True(wget.Succeeded, wget.Describe());
        Assert.Equal(HttpServer.Page.Trim(), wget.Stdout.Trim());
        var stats = daemon.RequestStatsUntil(AllDecided);
        AssertAllAccepted(stats);
        Assert.True(stats.Queue(0).Received > 0 && stats.Queue(1).Received > 0, $"HTTP did not go through both queues: {stats}");
    }

    private static bool AllDecided(DaemonStats s) => s.Queues.All(q => q.AllDecided);

    private static void AssertAllAccepted(DaemonStats stats)
    {
        foreach (var q in new[] { stats.Queue(0), stats.Queue(1) })
        {
            Assert.True(q.Received == q.Accepted, $"queue {q.Queue}: received {q.Received} but accepted {q.Accepted}: {stats}");
            Assert.True(q.Dropped == 0, $"queue {q.Queue} dropped {q.Dropped} with no rules: {stats}");
        }
        Assert.Equal("OUTPUT", stats.Queue(0).Chain);
        Assert.Equal("INPUT", stats.Queue(1).Chain);
    }
}
