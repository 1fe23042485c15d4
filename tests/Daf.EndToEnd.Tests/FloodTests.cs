// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests;

public sealed class FloodTests
{
    private const int PerPort = 20_000;
    private const int Dropped = 5001;
    private const int Accepted = 5002;

    [Fact]
    public void A_batched_flood_loses_nothing_that_should_pass_and_passes_nothing_that_should_drop()
    {
        using var bed = new NetnsBed();
        NfQueueRule.Insert(bed, bed.A, "OUTPUT", 0, bypass: false, "-p", "udp");
        using var daemon = AppFwDaemon.StartWithRules(bed, bed.A, $"-A -c OUTPUT -p udp --dport {Dropped} -v DROP\n", "-b", "64", "-B", "50");
        string server = bed.B4;
        using var toDropped = UdpReceiver.Start(bed, bed.B, server, Dropped);
        using var toAccepted = UdpReceiver.Start(bed, bed.B, server, Accepted);
        long socketDropsBefore = UdpSocketDrops.Read(bed, bed.B);

        var sent = UdpSender.Send(bed, bed.A, server, [Dropped, Accepted], PerPort, size: 64, burst: 256, pauseMs: 2, maxSeconds: 90);

        Assert.Equal(PerPort, sent[Dropped]);
        Assert.Equal(PerPort, sent[Accepted]);
        long arrivedDropped = toDropped.StopAndCount();
        long arrivedAccepted = toAccepted.StopAndCount();
        long socketDrops = UdpSocketDrops.Read(bed, bed.B) - socketDropsBefore;
        Assert.Equal(0, arrivedDropped);
        Assert.True(arrivedAccepted + socketDrops == PerPort,
            $"{arrivedAccepted} of {PerPort} accepted datagrams arrived (the receiving socket itself dropped {socketDrops})");

        var stats = daemon.RequestStatsUntil(s => s.Queue(0).AllDecided);
        var q = stats.Queue(0);
        Assert.True(q.Accepted == PerPort && q.Dropped == PerPort && q.Received == 2 * PerPort,
            $"OUTPUT queue: received {q.Received}, accepted {q.Accepted}, dropped {q.Dropped}, enobufs {q.Enobufs}; expected {2 * PerPort}/{PerPort}/{PerPort}: {stats}");
        Assert.True(q.BatchVerdictMessages > 0, $"-b 64 sent no batch verdict: {stats}");

        // A bulk TCP transfer through the same batching daemon.
        NfQueueRule.Insert(bed, bed.A, "OUTPUT", 0, bypass: false, "-p", "tcp");
        NfQueueRule.Insert(bed, bed.A, "INPUT", 1, bypass: false, "-p", "tcp");
        using var tcp = TcpServer.Start(bed, bed.B, server, 5003);
        var transfer = TcpClient.Send(bed, bed.A, server, 5003, 4 << 20, timeoutSeconds: 20);
        Assert.True(transfer.Succeeded, transfer.Describe());
        Assert.Equal([4L << 20], tcp.WaitForClosedConnections(1));
        var after = daemon.RequestStatsUntil(s => s.Queues.All(x => x.AllDecided));
        Assert.True(after.Queue(0).Received > q.Received && after.Queue(1).Received > 0, $"TCP did not go through the queues: {after}");
        Assert.True(after.Queues.All(x => x.AllDecided), $"undecided packets after the transfer: {after}");
    }
}
