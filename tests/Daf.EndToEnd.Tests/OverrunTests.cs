// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Daf.EndToEnd.Tests;

public sealed class OverrunTests(ITestOutputHelper output)
{
    /// <summary>
    /// Six unpaced senders of full-size datagrams. With the default buffers the senders' own socket
    /// buffers bound what is in flight below what the netlink socket holds, so nothing may be lost; with
    /// a 64 KiB cap (-n) and one packet per read (-c 1) the kernel drops what the daemon's socket cannot
    /// take: every such loss must show in the kernel's count, the daemon must notice ENOBUFS and go on.
    /// </summary>
    [Theory]
    [InlineData("", true)]
    [InlineData("-n 65536 -c 1", false)]
    public void Netlink_overruns_are_counted_and_the_daemon_keeps_serving(string options, bool lossless)
    {
        const int senders = 6;
        const int perSender = 5000;
        using var bed = new NetnsBed();
        NfQueueRule.Insert(bed, bed.A, "OUTPUT", 0, bypass: false, "-p", "udp");
        using var daemon = AppFwDaemon.Start(bed, bed.A, options.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        using var receiver = UdpReceiver.Start(bed, bed.B, bed.B4, 5002);

        var floods = Enumerable.Range(0, senders)
            .Select(_ => UdpSender.Start(bed, bed.A, bed.B4, [5002], perSender, size: 1400, burst: 1000, pauseMs: 0, maxSeconds: 30))
            .ToArray();
        long sent = 0;
        foreach (var f in floods)
        {
            Assert.True(f.WaitForExit(TimeSpan.FromSeconds(45)), "a sender overran its deadline");
            sent += UdpSender.ParseSent(f.Stdout)[5002];
        }
        long arrived = receiver.StopAndCount();
        var queue = NfQueueProc.Read(bed, bed.A, 0);
        var stats = daemon.RequestStatsUntil(s => s.Queue(0).AllDecided);
        output.WriteLine($"sent {sent}, arrived {arrived}, kernel: {queue}, daemon: {stats}");

        Assert.False(daemon.HasExited, $"app-fw died: {daemon.Stderr}");
        Assert.True(stats.Queue(0).AllDecided, $"{stats}");
        Assert.Equal(sent, arrived + queue.UserDropped + queue.QueueDropped);
        if (lossless)
            Assert.Equal(sent, arrived);
        Assert.True(queue.UserDropped == 0 || stats.Queue(0).Enobufs > 0, $"the kernel dropped {queue.UserDropped} it could not deliver but the daemon counted no ENOBUFS: {stats}");
        Assert.Equal(100, UdpProbe.Count(bed, bed.A, bed.B, 4, [5003])[5003]);
    }
}
