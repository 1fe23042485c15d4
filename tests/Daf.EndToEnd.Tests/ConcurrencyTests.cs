// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests;

public sealed class ConcurrencyTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void Concurrent_tcp_connections_all_complete_through_a_batching_daemon(int ipVersion)
    {
        const int connections = 16;
        const long bytes = 256 << 10;
        using var bed = new NetnsBed();
        NfQueueRule.InsertOutputAndInput(bed, bed.A, bypass: false, "-p", "tcp");
        using var daemon = AppFwDaemon.Start(bed, bed.A, "-b", "64", "-B", "50");
        string server = bed.Address(bed.B, ipVersion);
        using var tcp = TcpServer.Start(bed, bed.B, server, 5003);

        var clients = Enumerable.Range(0, connections)
            .Select(_ => TcpClient.Start(bed, bed.A, server, 5003, bytes, chunk: 16 << 10, timeoutSeconds: 20))
            .ToArray();
        try
        {
            foreach (var c in clients)
            {
                Assert.True(c.WaitForExit(TimeSpan.FromSeconds(60)), "a TCP client is still running after 60 s");
                Assert.True(c.ExitCode == 0, $"a TCP client failed: {c.Stderr}");
            }
        }
        finally
        {
            foreach (var c in clients)
                c.Dispose();
        }

        Assert.Equal(Enumerable.Repeat(bytes, connections), tcp.WaitForClosedConnections(connections));
        var stats = daemon.RequestStatsUntil(s => s.Queues.All(q => q.AllDecided));
        Assert.True(stats.Queues.All(q => q.AllDecided && q.Dropped == 0), $"{stats}");
        Assert.True(stats.Queue(0).Received >= connections * 3 && stats.Queue(1).Received >= connections * 2, $"the connections did not go through both queues: {stats}");
    }
}
