// SPDX-License-Identifier: Apache-2.0
using System.Globalization;
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests;

/// <summary>app-fw --metrics inside a namespace: Prometheus text over its own HTTP listener, and hostile clients.</summary>
public sealed class MetricsEndpointTests
{
    private const string Url = "http://127.0.0.1:9108/metrics";

    /// <summary>Each case: what to send (hex), printed with the first line of the answer ("none" when closed without one).</summary>
    private const string HostileClients = """
        import socket, sys, time
        def ask(payload, linger=0.0):
            s = socket.create_connection(('127.0.0.1', 9108), timeout=10)
            try:
                if payload: s.sendall(payload)
                if linger: time.sleep(linger)
                s.shutdown(socket.SHUT_WR)
                data = b''
                while True:
                    chunk = s.recv(65536)
                    if not chunk: break
                    data += chunk
                return data.split(b'\r\n', 1)[0].decode('latin1') if data else 'none'
            except OSError as e:
                return 'error ' + str(e)
            finally:
                s.close()
        cases = [
            ('garbage', b'GARBAGE\r\n\r\n'),
            ('huge', b'A' * 20000),
            ('nul', b'GET /metrics\x00 HTTP/1.1\r\n\r\n'),
            ('binary', bytes(range(256)) * 8),
            ('post', b'POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc'),
            ('path', b'GET /../../etc/passwd HTTP/1.1\r\n\r\n'),
            ('http2', b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
            ('folded', b'GET /metrics HTTP/1.1\r\nHost: a\r\n b\r\n\r\n'),
            ('empty', b''),
            ('slow', b'GET /metrics HTTP/1.1\r\n'),
        ]
        for name, payload in cases:
            print(name, ask(payload, 0.2 if name == 'slow' else 0.0), flush=True)
        idle = [socket.create_connection(('127.0.0.1', 9108), timeout=10) for _ in range(20)]
        for s in idle: s.close()
        for attempt in range(50):
            good = ask(b'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n')
            if good.startswith('HTTP/'): break
            time.sleep(0.2)
        print('good', good, flush=True)
        """;

    [Fact]
    public void Metrics_report_packets_verdicts_and_rule_matches_and_hostile_requests_get_400()
    {
        using var bed = new NetnsBed();
        NfQueueRule.Insert(bed, bed.A, "OUTPUT", 0, bypass: false, "-p", "udp");
        using var daemon = AppFwDaemon.StartWithRules(bed, bed.A, "-A -c OUTPUT -p udp --dport 5001 -v DROP\n",
            "--queue-in", "off", "--queue-fwd", "off", "--metrics", "9108");
        var arrived = UdpProbe.Count(bed, bed.A, bed.B, 4, [5001, 5002], perPort: 50);
        Assert.Equal(0, arrived[5001]);
        daemon.RequestStatsUntil(s => s.Queue(0).AllDecided && s.Queue(0).Received >= 100);

        var scrape = HttpClients.Curl(bed, bed.A, Url).EnsureSuccess();
        var samples = Samples(scrape.Stdout);
        Assert.Equal(100, samples["daf_packets_received_total{queue=\"0\",chain=\"OUTPUT\"}"]);
        Assert.Equal(50, samples["daf_verdicts_total{queue=\"0\",chain=\"OUTPUT\",verdict=\"drop\"}"]);
        Assert.Equal(50, samples["daf_verdicts_total{queue=\"0\",chain=\"OUTPUT\",verdict=\"accept\"}"]);
        Assert.Equal(50, samples["daf_rule_matches_total{chain=\"OUTPUT\",rule=\"1\"}"]);
        Assert.True(samples.ContainsKey("daf_queue_enobufs_total{queue=\"0\",chain=\"OUTPUT\"}"), scrape.Stdout);
        Assert.True(samples.ContainsKey("daf_digest_cache_hits_total"), scrape.Stdout);
        Assert.True(samples.ContainsKey("daf_hashing_seconds_total"), scrape.Stdout);

        var hostile = bed.Exec(bed.A, TimeSpan.FromSeconds(90), "python3", "-c", HostileClients).EnsureSuccess();
        var answers = hostile.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', 2)).ToDictionary(p => p[0], p => p[1]);
        foreach (var name in new[] { "garbage", "huge", "nul", "binary", "http2", "folded", "slow" })
            Assert.True(answers[name] == "HTTP/1.1 400 Bad Request", $"{name}: {answers[name]}\n{hostile.Stdout}");
        Assert.Equal("HTTP/1.1 405 Method Not Allowed", answers["post"]);
        Assert.Equal("HTTP/1.1 404 Not Found", answers["path"]);
        Assert.Equal("none", answers["empty"]);
        Assert.Equal("HTTP/1.1 200 OK", answers["good"]);

        Assert.False(daemon.HasExited, daemon.Stderr);
        Assert.Contains("daf_rule_version", HttpClients.Curl(bed, bed.A, Url).EnsureSuccess().Stdout);
        daemon.Stop();
    }

    [Fact]
    public void Without_the_option_nothing_listens()
    {
        using var bed = new NetnsBed();
        using var daemon = AppFwDaemon.Start(bed, bed.A, "--queue-in", "off", "--queue-fwd", "off");
        var refused = HttpClients.Curl(bed, bed.A, Url);
        Assert.NotEqual(0, refused.ExitCode);
        daemon.Stop();
    }

    private static Dictionary<string, double> Samples(string text)
    {
        var samples = new Dictionary<string, double>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#')) continue;
            int space = line.LastIndexOf(' ');
            samples[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }
        return samples;
    }
}
