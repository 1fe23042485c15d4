// SPDX-License-Identifier: Apache-2.0
using System.Text.Json;
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests.Signatures;

/// <summary>
/// Packet signatures across three namespaces: client (signs, app-fw -t) → gateway (forwards, verifies with -f) →
/// server (verifies with -i). See <see cref="SignatureBed"/>.
/// </summary>
public sealed class SignatureTests
{
    private static readonly TimeSpan s_iperfTimeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void Signed_udp_passes_the_gateway_and_the_server_and_unsigned_udp_does_not(int ipVersion)
    {
        using var bed = new SignatureBed();
        using var gateway = bed.StartGateway();
        using var server = bed.StartServer();

        // No signer yet: the client's queue is unbound and its packets wait; bind a signer that does not sign.
        using (var plain = AppFwDaemon.Start(bed.Bed, bed.Client, "--queue-fwd", "off"))
        {
            var unsigned = UdpProbe.Count(bed.Bed, bed.Client, bed.Server, ipVersion, [5001], perPort: 50);
            Assert.Equal(0, unsigned[5001]);
        }
        var g = gateway.RequestStats().Queue(2);
        Assert.True(g.Unsigned >= 50 && g.Verified == 0, $"gateway: {g}");

        using var signer = bed.StartSigner();
        var signed = UdpProbe.Count(bed.Bed, bed.Client, bed.Server, ipVersion, [5002, 5003], perPort: 50);

        Assert.Equal(50, signed[5002]);
        Assert.Equal(50, signed[5003]);
        var a = signer.RequestStats().Queue(0);
        g = gateway.RequestStats().Queue(2);
        var s = server.RequestStats().Queue(1);
        Assert.True(a.Signed >= 100 && a.SignFailed == 0 && a.PayloadVerdictMessages >= 100, $"client: {a}");
        Assert.True(g.Verified >= 100 && g.Forged == 0 && g.Replayed == 0, $"gateway: {g}");
        Assert.True(s.Verified >= 100 && s.Forged == 0 && s.Replayed == 0, $"server: {s}");
    }

    [Fact]
    public void Tampered_moved_and_replayed_packets_are_dropped_while_the_untouched_packet_passes_once()
    {
        using var bed = new SignatureBed();
        using var gateway = bed.StartGateway();
        using var server = bed.StartServer();
        using var signer = bed.StartSigner();
        const int Port = 6100;
        string receiverScript = bed.Script("receiver.py", SignatureScripts.Receiver);
        string tamperScript = bed.Script("tamper.py", SignatureScripts.Tamper);

        using var receiver = bed.Bed.Start(bed.Server, "python3", receiverScript, bed.Bed.B4, "15", $"{Port}", $"{Port + 1}", $"{Port + 2}");
        receiver.ExpectLine(l => l == "LISTENING", "the receiver listening");
        var tamper = bed.Bed.Exec(bed.Client, TimeSpan.FromSeconds(40), "python3", tamperScript, ClientInterface(bed), bed.Bed.A4, bed.Bed.B4,
            $"{Port}", $"{SignatureBed.CrafterMark}");
        Assert.True(tamper.ExitCode == 0, tamper.Describe());
        Assert.Contains("SENT replay", tamper.Stdout);

        // The control's arrival says when the path has delivered; the replay went 0.3 s later.
        receiver.WaitForLine(l => l.StartsWith("RECV", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        var g = gateway.RequestStatsUntil(st => st.Queue(2).Replayed >= 1, TimeSpan.FromSeconds(10)).Queue(2);
        var received = receiver.StdoutLines.Where(l => l.StartsWith("RECV", StringComparison.Ordinal)).ToList();

        Assert.True(received.Count == 1 && received[0].StartsWith($"RECV {Port} ", StringComparison.Ordinal) && received[0].EndsWith(" original", StringComparison.Ordinal),
            $"expected only the untouched packet, once; got:\n{string.Join('\n', received)}\ntamperer:\n{tamper.Stdout}");
        Assert.True(g.Forged == 4 && g.Replayed == 1 && g.Verified >= 1,
            $"gateway: expected 4 forged (flipped bit, port, moved tag, other flow) and 1 replay: {g}");
    }

    [Fact]
    public void A_server_with_another_key_drops_what_the_gateway_accepts_and_accepts_it_with_the_key_as_second()
    {
        using var bed = new SignatureBed();
        using var gateway = bed.StartGateway();
        using var signer = bed.StartSigner();
        using (var wrongKey = bed.StartServer(key: bed.OtherKey))
        {
            var arrived = UdpProbe.Count(bed.Bed, bed.Client, bed.Server, 4, [5011], perPort: 30);
            Assert.Equal(0, arrived[5011]);
            var s = wrongKey.RequestStats().Queue(1);
            Assert.True(s.Forged >= 30 && s.Verified == 0, $"server with another key: {s}");
        }
        var g = gateway.RequestStats().Queue(2);
        Assert.True(g.Verified >= 30 && g.Forged == 0, $"gateway: {g}");

        using var rotating = bed.StartServer(key: bed.OtherKey, "--secret2", bed.Key);
        Assert.Equal(30, UdpProbe.Count(bed.Bed, bed.Client, bed.Server, 4, [5012], perPort: 30)[5012]);
    }

    [Fact]
    public void App_mode_lets_the_gateway_pass_one_application_and_drop_another_from_the_same_host()
    {
        using var bed = new SignatureBed();
        using var server = bed.StartServer();
        using var signer = bed.StartSigner("app");
        const int Port = 6200, Count = 20;
        string receiverScript = bed.Script("receiver.py", SignatureScripts.Receiver);
        string appScript = bed.Script("app.py", SignatureScripts.App);
        string gate = bed.PathIn("gate");

        using var plain = bed.Bed.Start(bed.Client, "python3", appScript, bed.Bed.B4, $"{Port}", $"{Count}", gate);
        using var withCtypes = bed.Bed.Start(bed.Client, "python3", appScript, bed.Bed.B4, $"{Port}", $"{Count}", gate, "ctypes");
        var (plainPid, plainPort) = Ready(plain);
        var (ctypesPid, ctypesPort) = Ready(withCtypes);
        string allowed = Aggregate(bed, signer, plainPid);
        string other = Aggregate(bed, signer, ctypesPid);
        Assert.NotEqual(allowed, other);

        using var gateway = bed.StartGateway($"-A -c FORWARD --sig-app {allowed} -v ACCEPT\n", extra: ["--pol-fwd", "DROP"]);
        using var receiver = bed.Bed.Start(bed.Server, "python3", receiverScript, bed.Bed.B4, "6", $"{Port}");
        receiver.ExpectLine(l => l == "LISTENING", "the receiver listening");
        File.WriteAllText(gate, "");
        Assert.True(plain.WaitForExit(TimeSpan.FromSeconds(20)) && withCtypes.WaitForExit(TimeSpan.FromSeconds(20)), "the applications did not finish");
        receiver.WaitForExit(TimeSpan.FromSeconds(20));

        var lines = receiver.StdoutLines.Where(l => l.StartsWith("RECV", StringComparison.Ordinal)).ToList();
        int fromPlain = lines.Count(l => l.StartsWith($"RECV {Port} {plainPort} ", StringComparison.Ordinal));
        int fromCtypes = lines.Count(l => l.StartsWith($"RECV {Port} {ctypesPort} ", StringComparison.Ordinal));
        var a = signer.RequestStats().Queue(0);
        var g = gateway.RequestStats().Queue(2);
        // The first datagram of a socket may leave before its holder's image is read: then it is signed without
        // an application (counted) and the gateway's allow-list drops it. Every later one attests the sender.
        Assert.True(fromPlain >= Count - a.SignedWithoutApp && fromPlain >= Count / 2,
            $"allowed application: {fromPlain} of {Count} arrived; client: {a}; gateway: {g}");
        Assert.True(fromCtypes == 0, $"other application: {fromCtypes} arrived; gateway: {g}");
        Assert.True(g.Verified >= 2 * Count && g.Forged == 0, $"gateway: both applications' packets verify: {g}");
    }

    [Fact]
    public void Iperf3_at_full_mtu_runs_through_signing_and_verification()
    {
        using var bed = new SignatureBed();
        using var gateway = bed.StartGateway();
        using var server = bed.StartServer();
        using var signer = bed.StartSigner("packet", extra: ["-b", "16"]);
        using var iperfServer = bed.Bed.Start(bed.Server, "iperf3", "-s", "-1", "--forceflush", "-B", bed.Bed.B4, "-p", "5201");
        iperfServer.ExpectLine(l => l.Contains("Server listening", StringComparison.Ordinal), "iperf3 listening");

        var run = bed.Bed.Exec(bed.Client, s_iperfTimeout, "iperf3", "-c", bed.Bed.B4, "-p", "5201", "-t", "3", "-J");
        Assert.True(run.ExitCode == 0, run.Describe());
        using var json = JsonDocument.Parse(run.Stdout);
        var end = json.RootElement.GetProperty("end");
        long bytes = end.GetProperty("sum_received").GetProperty("bytes").GetInt64();
        var a = signer.RequestStats().Queue(0);
        var g = gateway.RequestStats().Queue(2);
        var s = server.RequestStats().Queue(1);
        // Full-sized segments: the client's MSS was lowered on the server's SYN-ACK so that signed segments fit 1500.
        Assert.True(bytes >= 1 << 20, $"iperf3 moved only {bytes} bytes; client: {a}; gateway: {g}; server: {s}");
        Assert.True(a.SignFailed == 0 && a.Signed > bytes / 1500, $"client: {a}");
        Assert.True(bytes / a.Signed >= 1000, $"segments average {bytes / a.Signed} bytes: not full-sized; client: {a}");
        Assert.True(g.Forged == 0 && s.Forged == 0 && g.Verified > bytes / 1500, $"gateway: {g}; server: {s}");
    }

    [Fact]
    public void A_short_or_group_readable_key_file_stops_app_fw_with_a_configuration_error()
    {
        using var bed = new SignatureBed();
        string shortKey = bed.Script("short.key", new string('k', 31));
        File.SetUnixFileMode(shortKey, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string readable = bed.Script("readable.key", new string('k', 32));
        File.SetUnixFileMode(readable, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        foreach (string key in new[] { shortKey, readable })
        {
            var run = AppFwDaemon.Run(bed.Bed, bed.Client, "-t", "packet", "-s", key);
            Assert.True(run.ExitCode == 2 && run.Stderr.Contains(key, StringComparison.Ordinal), run.Describe());
            Assert.DoesNotContain("app-fw: ready", run.Stdout);
        }
        var good = AppFwDaemon.Run(bed.Bed, bed.Client, "-i", "-s", bed.Key, "--secret2", readable);
        Assert.True(good.ExitCode == 2 && good.Stderr.Contains(readable, StringComparison.Ordinal), good.Describe());
    }

    private static (int Pid, int Port) Ready(NetnsProcess app)
    {
        string line = app.ExpectLine(l => l.StartsWith("READY ", StringComparison.Ordinal), "the application ready");
        var parts = line.Split(' ');
        return (int.Parse(parts[1]), int.Parse(parts[2]));
    }

    /// <summary>The application's aggregate digest as the signer computes it (ctl-fw -H --pid, through the signer's control channel).</summary>
    private static string Aggregate(SignatureBed bed, AppFwDaemon signer, int pid)
    {
        ExecResult result;
        int attempt = 0;
        do
        {
            // Exit 3: app-fw unreachable (the association can time out on a loaded machine): ask again.
            result = bed.Bed.Exec(bed.Client, TimeSpan.FromSeconds(60), Path.Combine(RepoRoot.Path, "bin", "ctl-fw"),
                "--state-dir", signer.StateDir, "-H", "--pid", pid.ToString());
        }
        while (result.ExitCode == 3 && ++attempt < 3);
        Assert.True(result.ExitCode == 0, result.Describe());
        string line = result.Stdout.Split('\n').Single(l => l.StartsWith("AGGREGATE HASH: ", StringComparison.Ordinal));
        return line["AGGREGATE HASH: ".Length..].Trim();
    }

    /// <summary>The client's veth (towards the gateway).</summary>
    private static string ClientInterface(SignatureBed bed) => $"daf{bed.Bed.Id}a";
}
