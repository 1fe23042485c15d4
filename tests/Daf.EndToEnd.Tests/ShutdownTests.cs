// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Daf.EndToEnd.Tests;

public sealed class ShutdownTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(Signals.SIGTERM)]
    [InlineData(Signals.SIGINT)]
    public void An_idle_daemon_exits_0_on_the_signal_and_writes_its_final_stats(int signal)
    {
        using var bed = new NetnsBed();
        NfQueueRule.InsertOutputAndInput(bed, bed.A, bypass: true, "-p", "udp");
        using var daemon = AppFwDaemon.Start(bed, bed.A);
        var arrived = UdpProbe.Count(bed, bed.A, bed.B, 4, [5002], perPort: 10);
        Assert.Equal(10, arrived[5002]);

        daemon.Stop(signal);

        var final = daemon.ReadStats();
        Assert.True(final.Queue(0).Accepted == 10 && final.Queues.All(q => q.AllDecided), $"stats.json at exit: {final}");
    }

    [Fact]
    public void Sigterm_under_load_exits_0_within_2_seconds_and_leaves_no_packet_stuck()
    {
        using var bed = new NetnsBed();
        NfQueueRule.InsertOutputAndInput(bed, bed.A, bypass: true);
        using var daemon = AppFwDaemon.Start(bed, bed.A, "-b", "64", "-B", "50");
        string server = bed.B4;
        using var udp = UdpReceiver.Start(bed, bed.B, server, 5002);
        using var tcp = TcpServer.Start(bed, bed.B, server, 5003);
        const long transferBytes = 8 << 20;

        // Bounded: the flood stops after 6 s, the transfer is paced over about 3 s.
        using var flood = UdpSender.Start(bed, bed.A, server, [5002], perPort: 10_000_000, burst: 256, pauseMs: 1, maxSeconds: 6);
        using var transfer = TcpClient.Start(bed, bed.A, server, 5003, transferBytes, chunk: 1 << 16, pauseMs: 25, timeoutSeconds: 20);
        Thread.Sleep(1000);
        var midway = daemon.RequestStats();
        Assert.True(midway.Queue(0).Received > 0, $"the load is not reaching the daemon: {midway}");
        Assert.False(flood.HasExited, "the flood ended before SIGTERM");
        Assert.False(transfer.HasExited, $"the transfer ended before SIGTERM: {transfer.Stderr}");

        var elapsed = daemon.Stop();
        output.WriteLine($"app-fw exited {elapsed.TotalMilliseconds:F0} ms after SIGTERM");
        // With the daemon gone the bypassed queue must keep passing the flood, which is still running.
        Thread.Sleep(300);
        long arrivedAfterExit = udp.CountSoFar;
        Thread.Sleep(700);
        long arrivedLater = udp.CountSoFar;
        Assert.False(flood.HasExited, "the flood ended too early to watch the bypass");
        Assert.True(arrivedLater > arrivedAfterExit, $"no datagram passed the bypassed queue after the daemon exited (count stayed at {arrivedAfterExit})");

        var final = daemon.ReadStats();
        output.WriteLine($"stats.json at exit: {final}");
        foreach (var q in final.Queues)
        {
            Assert.True(q.AllDecided, $"queue {q.Queue} exited with received {q.Received} != accepted {q.Accepted} + dropped {q.Dropped}: {final}");
        }
        Assert.True(transfer.WaitForExit(TimeSpan.FromSeconds(40)), "the TCP transfer did not finish after the daemon left");
        Assert.True(transfer.ExitCode == 0, $"the TCP transfer failed after SIGTERM: {transfer.Stderr}");
        Assert.Equal([transferBytes], tcp.WaitForClosedConnections(1));
        Assert.True(flood.WaitForExit(TimeSpan.FromSeconds(20)), "the flood did not stop at its deadline");
        var sent = UdpSender.ParseSent(flood.Stdout)[5002];
        long arrived = udp.StopAndCount();
        output.WriteLine($"flood: {sent} datagrams sent, {arrived} arrived");
        Assert.True(arrived > arrivedLater && arrived <= sent, $"{arrived} datagrams arrived of {sent} sent");
    }
}
