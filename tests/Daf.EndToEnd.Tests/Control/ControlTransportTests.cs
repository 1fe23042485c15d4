// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Authentication;
using Daf.Actors.Control;
using Daf.Ctl.Transport;

namespace Daf.EndToEnd.Tests.Control;

[Collection(nameof(ControlTransportTests))]
public sealed class ControlTransportTests
{
    private static readonly NamespaceReference HostNamespace = new("/proc/self/ns/net", 4026531840);

    private static ControlClientOptions ClientOf(ControlTestDaemon daemon, string? stateDirectory = null) => new()
    {
        StateDirectory = stateDirectory ?? daemon.StateDirectory,
        Port = daemon.Port,
        Timeout = TimeSpan.FromSeconds(10),
    };

    [Fact]
    public async Task A_request_round_trips_over_mutual_tls()
    {
        await using var daemon = ControlTestDaemon.Start();

        var reply = await ControlClient.SendAsync(ClientOf(daemon), new ListRules("INPUT"), CancellationToken.None);

        var text = Assert.IsType<RulesText>(reply);
        Assert.Equal(7, text.Version);
        Assert.Equal("-P INPUT ACCEPT\n# chain INPUT\n", text.Text);
        Assert.Equal([3L, 4L], text.MatchCounts);
        Assert.Equal(new ListRules("INPUT"), Assert.Single(daemon.Received));
    }

    [Theory]
    [InlineData(1)]  // JSON: any type named on the wire
    [InlineData(2)]  // protobuf: any message type named in the manifest
    [InlineData(3)]  // DaemonMsgCreate: remote deployment of Props
    [InlineData(16)] // Akka's misc messages: exceptions by type name in Status.Failure
    public async Task Serializers_that_resolve_type_names_from_the_wire_are_absent(int serializerId)
    {
        await using var daemon = ControlTestDaemon.Start();

        var e = Assert.Throws<System.Runtime.Serialization.SerializationException>(() =>
            daemon.System.Serialization.Deserialize("{}"u8.ToArray(), serializerId, "System.IO.FileInfo, System.Private.CoreLib"));

        Assert.Contains($"Cannot find serializer with id [{serializerId}]", e.Message);
    }

    [Fact]
    public async Task The_control_channel_serializers_are_present()
    {
        await using var daemon = ControlTestDaemon.Start();
        var serialization = daemon.System.Serialization;

        Assert.IsType<Daf.Actors.Control.Serialization.ControlMessageSerializer>(serialization.FindSerializerFor(new SaveRules()));
        Assert.Equal(6, serialization.FindSerializerForType(typeof(Akka.Actor.ActorSelectionMessage)).Identifier);
        Assert.Equal(17, serialization.FindSerializerFor("text").Identifier);
    }

    [Fact]
    public async Task A_large_restore_round_trips()
    {
        await using var daemon = ControlTestDaemon.Start();
        var rules = string.Concat(Enumerable.Range(0, 10_000).Select(i => $"-A -c OUTPUT -p udp --dport {i + 1} -v DROP\n"));

        var reply = await ControlClient.SendAsync(ClientOf(daemon), new RestoreRules(rules, HostNamespace), CancellationToken.None);

        Assert.Equal(new RulesUpdated(8, 10_000), reply);
        Assert.Equal(rules, Assert.IsType<RestoreRules>(Assert.Single(daemon.Received)).Text);
    }

    [Fact]
    public async Task A_request_beyond_the_wire_limits_fails_at_once_and_sends_nothing()
    {
        await using var daemon = ControlTestDaemon.Start();
        var watch = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<System.Runtime.Serialization.SerializationException>(() => ControlClient.SendAsync(
            ClientOf(daemon), new RestoreRules(new string('#', (1 << 20) + 1), HostNamespace), CancellationToken.None));

        Assert.Contains("exceeds the limit", e.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.ElapsedMilliseconds} ms");
        Assert.Empty(daemon.Received);
    }

    [Fact]
    public async Task A_client_with_another_certificate_is_refused_and_logged()
    {
        await using var daemon = ControlTestDaemon.Start();
        var stranger = Directory.CreateTempSubdirectory("daf-ctl-stranger-").FullName;
        try
        {
            ControlCertificate.LoadOrCreate(stranger).Dispose();

            var refused = await Assert.ThrowsAsync<ControlUnreachableException>(() =>
                ControlClient.SendAsync(ClientOf(daemon, stranger), new SaveRules(), CancellationToken.None));

            Assert.Contains($"127.0.0.1:{daemon.Port}", refused.Message);
            Assert.True(await daemon.LoggedAsync("is not the control certificate", TimeSpan.FromSeconds(5)),
                "the daemon did not log the refused peer: " + string.Join(" | ", daemon.Warnings));
            Assert.Empty(daemon.Received);
        }
        finally
        {
            Directory.Delete(stranger, recursive: true);
        }
    }

    [Fact]
    public async Task The_client_refuses_an_impostor_daemon_and_sends_it_nothing()
    {
        var ours = Directory.CreateTempSubdirectory("daf-ctl-ours-").FullName;
        var theirs = Directory.CreateTempSubdirectory("daf-ctl-impostor-").FullName;
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        try
        {
            ControlCertificate.LoadOrCreate(ours).Dispose();
            using var impostorCertificate = ControlCertificate.LoadOrCreate(theirs);
            listener.Start();
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            var impostor = Task.Run(async () =>
            {
                using var tcp = await listener.AcceptTcpClientAsync();
                await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
                try
                {
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                    {
                        ServerCertificate = impostorCertificate,
                        ClientCertificateRequired = true,
                    });
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    return await tls.ReadAsync(new byte[4096], timeout.Token);
                }
                catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
                {
                    return 0;
                }
            });

            var refused = await Assert.ThrowsAsync<ControlUnreachableException>(() => ControlClient.SendAsync(
                new ControlClientOptions { StateDirectory = ours, Port = port, Timeout = TimeSpan.FromSeconds(10) },
                new RestoreRules("-P OUTPUT DROP\n", HostNamespace), CancellationToken.None));

            // On a loaded machine the client may give up before it reports the failed handshake; what
            // matters is that the impostor never received a byte of the request.
            Assert.True(refused.Message.Contains("TLS handshake failed") || refused.Message.Contains("no answer"), refused.Message);
            Assert.Equal(0, await impostor.WaitAsync(TimeSpan.FromSeconds(15)));
        }
        finally
        {
            listener.Stop();
            Directory.Delete(ours, recursive: true);
            Directory.Delete(theirs, recursive: true);
        }
    }

    [Fact]
    public async Task A_tls_client_without_a_certificate_cannot_exchange_a_byte()
    {
        await using var daemon = ControlTestDaemon.Start();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", daemon.Port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);

        var exchanged = false;
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "daf-control" });
            // TLS 1.3: the server judges the client's (empty) certificate after the client thinks it is done.
            await tls.WriteAsync(new byte[] { 0, 0, 0, 4, 1, 2, 3, 4 });
            var buffer = new byte[64];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            exchanged = await tls.ReadAsync(buffer, timeout.Token) > 0;
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
        }

        Assert.False(exchanged);
        Assert.True(await daemon.LoggedAsync("did not provide a certificate", TimeSpan.FromSeconds(5)),
            "the daemon did not log the peer without a certificate: " + string.Join(" | ", daemon.Warnings));
        Assert.Empty(daemon.Received);
    }

    [Fact]
    public async Task Garbage_and_stalled_connections_do_not_delay_a_good_client()
    {
        await using var daemon = ControlTestDaemon.Start();
        var client = ClientOf(daemon);
        await ControlClient.SendAsync(client, new ListRules(null), CancellationToken.None);
        var alone = Stopwatch.StartNew();
        await ControlClient.SendAsync(client, new ListRules(null), CancellationToken.None);
        alone.Stop();

        var intruders = new List<TcpClient>();
        try
        {
            var random = new Random(4780);
            for (var i = 0; i < 16; i++)
            {
                var tcp = new TcpClient();
                intruders.Add(tcp);
                await tcp.ConnectAsync("127.0.0.1", daemon.Port);
                if (i % 2 == 1) continue; // stalls: connects and never says a word
                var garbage = new byte[4096];
                random.NextBytes(garbage);
                if (i == 0) garbage[0] = 0x16; // looks like a TLS handshake record, then is not
                await tcp.GetStream().WriteAsync(garbage);
            }

            var crowded = Stopwatch.StartNew();
            var reply = await ControlClient.SendAsync(client, new ListRules("OUTPUT"), CancellationToken.None);
            crowded.Stop();

            Assert.IsType<RulesText>(reply);
            // Served while every stalled intruder is still connected: the client did not wait for the daemon to give up
            // on them (its handshake timeout, 5 s). A wall-clock bound would measure this machine's load instead.
            int[] closedByTheDaemon = Enumerable.Range(0, intruders.Count)
                .Where(i => i % 2 == 1 && IsClosedByPeer(intruders[i]))
                .ToArray();
            Assert.True(closedByTheDaemon.Length == 0,
                $"the reply came after the daemon closed stalled intruders {string.Join(", ", closedByTheDaemon)}: " +
                $"round trip {crowded.ElapsedMilliseconds} ms among intruders, {alone.ElapsedMilliseconds} ms alone");
            Assert.All(daemon.Received, r => Assert.IsType<ListRules>(r));
            Assert.Equal(3, daemon.Received.Count);
        }
        finally
        {
            foreach (var tcp in intruders) tcp.Dispose();
        }
    }

    /// <summary>True when the peer closed the connection: readable with nothing to read.</summary>
    private static bool IsClosedByPeer(TcpClient tcp) =>
        tcp.Client.Poll(0, SelectMode.SelectRead) && tcp.Client.Available == 0;

    [Fact]
    public async Task A_connection_that_never_completes_the_handshake_is_closed_by_the_daemon()
    {
        await using var daemon = ControlTestDaemon.Start();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", daemon.Port);
        var watch = Stopwatch.StartNew();

        var closed = false;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            closed = await tcp.GetStream().ReadAsync(new byte[16], timeout.Token) == 0;
        }
        catch (IOException)
        {
            closed = true;
        }

        // Akka's handshake timeout (akka.remote.dot-netty.tcp.connection-timeout) bounds how long a silent peer holds a socket.
        Assert.True(closed, "the daemon kept a silent connection open for 20 s");
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_slow_handler_is_answered_as_busy_and_other_clients_are_not_held_up()
    {
        await using var daemon = ControlTestDaemon.Start(saveDelay: TimeSpan.FromSeconds(6));

        var slow = ControlClient.SendAsync(ClientOf(daemon), new SaveRules(), CancellationToken.None);
        while (daemon.Received.IsEmpty && !slow.IsCompleted) await Task.Delay(10);
        var quick = await ControlClient.SendAsync(ClientOf(daemon), new ListRules(null), CancellationToken.None);

        Assert.IsType<RulesText>(quick);
        Assert.False(slow.IsCompleted, "the slow request was answered before the endpoint's timeout");
        Assert.Equal(new RequestRefused(ControlEndpointActor.Busy), await slow);
    }

    [Fact]
    public async Task Nothing_listening_is_reported_as_unreachable_quickly()
    {
        await using var daemon = ControlTestDaemon.Start();
        var closedPort = FreePort();
        var watch = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<ControlUnreachableException>(() =>
            ControlClient.SendAsync(ClientOf(daemon) with { Port = closedPort }, new SaveRules(), CancellationToken.None));

        Assert.True(e.Message.Contains("connection refused"), e.Message);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task A_missing_certificate_says_the_daemon_is_not_running()
    {
        var empty = Directory.CreateTempSubdirectory("daf-ctl-empty-").FullName;
        try
        {
            var e = await Assert.ThrowsAsync<ControlUnreachableException>(() =>
                ControlClient.SendAsync(new ControlClientOptions { StateDirectory = empty, Port = 1 }, new SaveRules(), CancellationToken.None));
            Assert.Contains(Path.Combine(empty, "control.pfx"), e.Message);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public async Task The_certificate_is_private_to_root()
    {
        await using var daemon = ControlTestDaemon.Start();
        var path = ControlCertificate.PathIn(daemon.StateDirectory);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        // Let others through the directory, so that only the file's own mode stands in the way.
        File.SetUnixFileMode(daemon.StateDirectory, (UnixFileMode)0b111_101_101);

        var (exit, stderr) = await RunAsNobodyAsync("cat", path);

        Assert.NotEqual(0, exit);
        Assert.Contains("Permission denied", stderr);
    }

    private static async Task<(int Exit, string Stderr)> RunAsNobodyAsync(params string[] command)
    {
        var start = new ProcessStartInfo("setpriv") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--" }.Concat(command))
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return (process.ExitCode, await stderr);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
