// SPDX-License-Identifier: Apache-2.0
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Daf.Actors.Metrics;
using Daf.Actors.Queue;
using Daf.Actors.Rules;
using Daf.Actors.Tests.Rules;

namespace Daf.Actors.Tests.Metrics;

public sealed partial class PrometheusTextTests
{
    private static (DaemonMetrics Metrics, QueueCounters Output) Daemon(string rules = "-A -c OUTPUT -p udp --dport 9 -v DROP\n-A -c OUTPUT -p tcp -v ACCEPT\n")
    {
        var output = new QueueCounters { Received = 120, Accepted = 90, Dropped = 25, DeferredAccepted = 3, DeferredDropped = 2, Enobufs = 4, Deferred = 5, Unattributed = 1, VerdictMessages = 70, BatchVerdictMessages = 6 };
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, rules);
            var set = RulesFile.Load(path, ChainPolicies.AllAccept);
            var settings = new RuleStoreSettings(new FakeNamespaces().Bindings(), RulesStateFile.In(Path.GetTempPath()), 1);
            var holder = new RuleSnapshotHolder(settings.CompileAtStart(set, []));
            var queues = new List<(Chain, ushort, QueueCounters)> { (Chain.Output, 0, output), (Chain.Input, 1, new QueueCounters()) };
            return (new DaemonMetrics(queues, holder, DateTime.UtcNow.AddSeconds(-3)), output);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static Dictionary<string, double> Samples(string text)
    {
        var samples = new Dictionary<string, double>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#')) continue;
            var space = line.LastIndexOf(' ');
            samples.Add(line[..space], double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture));
        }
        return samples;
    }

    [Fact]
    public void Every_line_follows_the_text_exposition_format()
    {
        string text = PrometheusText.Write(Daemon().Metrics);

        Assert.EndsWith("\n", text);
        var declared = new HashSet<string>();
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                Assert.Matches(HelpLine(), line);
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var match = TypeLine().Match(line);
                Assert.True(match.Success, line);
                Assert.True(declared.Add(match.Groups[1].Value), $"family declared twice: {line}");
                if (match.Groups[2].Value == "counter") Assert.EndsWith("_total", match.Groups[1].Value);
                continue;
            }
            var sample = SampleLine().Match(line);
            Assert.True(sample.Success, $"not a sample line: '{line}'");
            var family = HistogramSample().Match(sample.Groups[1].Value) is { Success: true } part && declared.Contains(part.Groups[1].Value)
                ? part.Groups[1].Value : sample.Groups[1].Value;
            Assert.Contains(family, declared);
        }
    }

    [Fact]
    public void Queue_counters_appear_with_queue_and_chain_labels()
    {
        var samples = Samples(PrometheusText.Write(Daemon().Metrics));

        Assert.Equal(120, samples["daf_packets_received_total{queue=\"0\",chain=\"OUTPUT\"}"]);
        Assert.Equal(93, samples["daf_verdicts_total{queue=\"0\",chain=\"OUTPUT\",verdict=\"accept\"}"]);
        Assert.Equal(27, samples["daf_verdicts_total{queue=\"0\",chain=\"OUTPUT\",verdict=\"drop\"}"]);
        Assert.Equal(4, samples["daf_queue_enobufs_total{queue=\"0\",chain=\"OUTPUT\"}"]);
        Assert.Equal(5, samples["daf_packets_deferred_total{queue=\"0\",chain=\"OUTPUT\"}"]);
        Assert.Equal(1, samples["daf_packets_unattributed_total{queue=\"0\",chain=\"OUTPUT\"}"]);
        Assert.Equal(6, samples["daf_verdict_messages_total{queue=\"0\",chain=\"OUTPUT\",kind=\"batch\"}"]);
        Assert.Equal(0, samples["daf_packets_received_total{queue=\"1\",chain=\"INPUT\"}"]);
        Assert.True(samples["daf_uptime_seconds"] >= 3);
    }

    [Fact]
    public void Deferred_hold_times_form_a_cumulative_histogram_whose_inf_bucket_is_the_count()
    {
        var (metrics, output) = Daemon();
        output.DeferredHold.Record(400);        // <= 1 ms
        output.DeferredHold.Record(30_000);     // <= 50 ms
        output.DeferredHold.Record(1_500_000);  // over 1 s

        var samples = Samples(PrometheusText.Write(metrics));

        const string labels = "queue=\"0\",chain=\"OUTPUT\"";
        Assert.Equal(1, samples[$"daf_deferred_hold_seconds_bucket{{{labels},le=\"0.001\"}}"]);
        Assert.Equal(1, samples[$"daf_deferred_hold_seconds_bucket{{{labels},le=\"0.01\"}}"]);
        Assert.Equal(2, samples[$"daf_deferred_hold_seconds_bucket{{{labels},le=\"0.05\"}}"]);
        Assert.Equal(2, samples[$"daf_deferred_hold_seconds_bucket{{{labels},le=\"1\"}}"]);
        Assert.Equal(3, samples[$"daf_deferred_hold_seconds_bucket{{{labels},le=\"+Inf\"}}"]);
        Assert.Equal(3, samples[$"daf_deferred_hold_seconds_count{{{labels}}}"]);
        Assert.Equal(1.5304, samples[$"daf_deferred_hold_seconds_sum{{{labels}}}"], 6);
        Assert.Equal(1.5, samples[$"daf_deferred_hold_max_seconds{{{labels}}}"]);
        Assert.Equal(0, samples["daf_deferred_hold_seconds_count{queue=\"1\",chain=\"INPUT\"}"]);
    }

    [Fact]
    public void Rule_matches_are_reported_per_rule_and_follow_the_snapshot()
    {
        var (metrics, _) = Daemon();
        var udp9 = Packets.Udp("10.0.0.1", "10.0.0.2", 1000, 9);
        Assert.Equal(Verdict.Drop, metrics.Rules.Current.Judge(Chain.Output, udp9, 0));
        Assert.Equal(Verdict.Drop, metrics.Rules.Current.Judge(Chain.Output, udp9, 0));

        var samples = Samples(PrometheusText.Write(metrics));

        Assert.Equal(2, samples["daf_rule_matches_total{chain=\"OUTPUT\",rule=\"1\"}"]);
        Assert.Equal(0, samples["daf_rule_matches_total{chain=\"OUTPUT\",rule=\"2\"}"]);
    }

    [Theory]
    [InlineData("9108", "127.0.0.1", 9108)]
    [InlineData("0.0.0.0:80", "0.0.0.0", 80)]
    [InlineData("[::1]:9108", "::1", 9108)]
    public void Metrics_endpoints_parse(string value, string address, int port)
    {
        var endpoint = MetricsEndpoint.TryParse(value);
        Assert.NotNull(endpoint);
        Assert.Equal(IPAddress.Parse(address), endpoint.Address);
        Assert.Equal(port, endpoint.Port);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("localhost:9108")]
    [InlineData("::1:9108")]
    [InlineData("[127.0.0.1]:9108")]
    [InlineData("127.0.0.1:")]
    [InlineData("+9108")]
    public void Bad_metrics_endpoints_are_refused(string value) => Assert.Null(MetricsEndpoint.TryParse(value));

    [GeneratedRegex(@"^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* \S.*$")]
    private static partial Regex HelpLine();

    [GeneratedRegex(@"^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$")]
    private static partial Regex TypeLine();

    [GeneratedRegex(@"^(.*)_(bucket|sum|count)$")]
    private static partial Regex HistogramSample();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*=""[^""\\\n]*""(,[a-zA-Z_][a-zA-Z0-9_]*=""[^""\\\n]*"")*\})? -?[0-9][0-9.eE+-]*$")]
    private static partial Regex SampleLine();
}
