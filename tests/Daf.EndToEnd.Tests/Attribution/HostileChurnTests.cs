// SPDX-License-Identifier: Apache-2.0
using System.Globalization;

namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>Matrix case 15: socket churn by one process does not make others' packets expensive.</summary>
public sealed class HostileChurnTests
{
    private const int Probes = 200;

    /// <summary>
    /// What "cannot raise the per-packet cost" means here, checked without a tight clock (speed is measured in
    /// bench/): every well-behaved probe is answered, no probe is deferred to the attribution actor or judged
    /// unattributed (each is an in-memory lookup on the reader's hot path, whatever the hostile does), and no
    /// probe waits anywhere near the attribution bound. The latency bound is loose on purpose: a shared two-core
    /// machine can stall a few tens of milliseconds; the failure this test is for (each packet queued behind the
    /// hostile's events, or paying a /proc walk or the attribution wait) costs hundreds.
    /// </summary>
    private const double P99BoundMs = 150;

    /// <summary>The first probe of the client's new flow, and the driver's, may be deferred once each.</summary>
    private const long DeferralAllowance = 4;

    [Fact]
    public void A_process_churning_sockets_cannot_raise_the_verdict_latency_of_others()
    {
        using var bed = new AttributionBed();
        string blocked = bed.Files.BuildLibrary("libblocked.so");
        bed.StartSenderFirewall($"-A -c OUTPUT --sng-hash {ProgramCopies.DigestOf(blocked)} -v DROP");
        bed.StartReceiver(4, echo: true);
        string stop = Path.Combine(bed.Files.Gates, "stop-churn");
        using var hostile = bed.Net.Start(bed.Net.A, AttributionBed.Python3, "-u", "-c", Churn, stop);
        hostile.ExpectLine(l => l == "churning", "the hostile process");

        var before = IdentityCounters.Of(bed.Daemon.RequestStats(), 0);
        var client = bed.RunIn(bed.Net.A, AttributionBed.Python3, "-u", "-c", EchoClient, bed.Receiver.Address, bed.Receiver.Port.ToString(), Probes.ToString());
        bed.DriveHeld(2, ["load", blocked, .. bed.UdpToReceiver, "send", "blocked-during-churn-1", "send", "blocked-during-churn-2"]);
        bed.Files.Open("stop-churn");
        string churned = hostile.ExpectLine(l => l.StartsWith("opened ", StringComparison.Ordinal), "the hostile's count");

        long opened = long.Parse(churned["opened ".Length..], CultureInfo.InvariantCulture);
        Assert.True(opened >= 10_000, $"the hostile process opened only {opened} sockets: no churn to speak of");
        var result = client.Stdout.Split('\n').Single(l => l.StartsWith("lost ", StringComparison.Ordinal)).Split(' ');
        int lost = int.Parse(result[1], CultureInfo.InvariantCulture);
        double p99 = double.Parse(result[3], CultureInfo.InvariantCulture);
        Assert.True(lost == 0, $"{lost} of {Probes} well-behaved datagrams were not echoed: {client.Stdout}\napp-fw: {bed.Daemon.Stderr}");
        var afterStats = bed.Daemon.RequestStats();
        var after = IdentityCounters.Of(afterStats, 0);
        long deferred = (after.Deferred ?? 0) - (before.Deferred ?? 0);
        long unattributed = (after.Unattributed ?? 0) - (before.Unattributed ?? 0);
        Assert.True(deferred <= DeferralAllowance, $"{deferred} packets were deferred during the churn: the hot path lost its holders");
        Assert.True(unattributed == 0, $"{unattributed} packets were judged unattributed during the churn: {afterStats.Json}\napp-fw: {bed.Daemon.Stderr.Trim()}");
        Assert.True(p99 < P99BoundMs, $"p99 round trip {p99:F2} ms under churn (bound {P99BoundMs} ms): {client.Stdout}");
        bed.AssertDelivery(bed.Delivered(Probes + 2), delivered: [], dropped: ["blocked-during-churn-1", "blocked-during-churn-2"]);
        bed.StopDaemonCleanly();
    }

    private const string Churn = """
        import os, socket, sys, time
        stop, n = sys.argv[1], 0
        end = time.monotonic() + 25
        print('churning', flush=True)
        while time.monotonic() < end and not os.path.exists(stop):
            for _ in range(500):
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()
            n += 500
        print(f'opened {n}', flush=True)
        """;

    private const string EchoClient = """
        import socket, sys, time
        host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        s = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET, socket.SOCK_DGRAM)
        s.connect((host, port))
        s.settimeout(2)
        rtts, lost = [], 0
        end = time.monotonic() + 30  # bounded even when every probe is lost
        for k in range(count):
            if time.monotonic() > end:
                lost += count - k
                break
            tag = f'probe-{k}'.encode()
            start = time.perf_counter()
            s.send(tag)
            try:
                while s.recv(64) != tag:
                    pass
                rtts.append((time.perf_counter() - start) * 1000)
            except socket.timeout:
                lost += 1
        rtts.sort()
        p99 = rtts[min(len(rtts) - 1, int(len(rtts) * 0.99))] if rtts else float('inf')
        print(f'lost {lost} p99 {p99:.3f} max {rtts[-1] if rtts else 0:.3f}', flush=True)
        """;
}
