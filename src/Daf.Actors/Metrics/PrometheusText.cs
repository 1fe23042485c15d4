// SPDX-License-Identifier: Apache-2.0
using System.Globalization;
using System.Text;
using Daf.Actors.Rules;

namespace Daf.Actors.Metrics;

/// <summary>
/// Writes <see cref="DaemonMetrics"/> in the Prometheus text exposition format 0.0.4: a <c># HELP</c> and a
/// <c># TYPE</c> line per metric family, then one sample per line, labels quoted, counters ending in <c>_total</c>.
/// </summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Write(DaemonMetrics metrics)
    {
        var text = new StringBuilder(4096);
        Family(text, "daf_uptime_seconds", "gauge", "Seconds since app-fw started.");
        Sample(text, "daf_uptime_seconds", "", Math.Round((DateTime.UtcNow - metrics.StartedUtc).TotalSeconds, 3));
        var snapshot = metrics.Rules.Current;
        Family(text, "daf_rule_version", "gauge", "Version of the rule set in force.");
        Sample(text, "daf_rule_version", "", snapshot.Version);

        QueueFamily(text, metrics, "daf_packets_received_total", "Packets read from the queue.", c => Volatile.Read(ref c.Received));
        Family(text, "daf_verdicts_total", "counter", "Packets decided, by verdict (deferred packets included once decided).");
        foreach (var (chain, queue, c) in metrics.Queues)
        {
            Sample(text, "daf_verdicts_total", QueueLabels(chain, queue) + ",verdict=\"accept\"",
                Volatile.Read(ref c.Accepted) + Volatile.Read(ref c.DeferredAccepted));
            Sample(text, "daf_verdicts_total", QueueLabels(chain, queue) + ",verdict=\"drop\"",
                Volatile.Read(ref c.Dropped) + Volatile.Read(ref c.DeferredDropped));
        }
        QueueFamily(text, metrics, "daf_packets_malformed_total", "Packets whose headers could not be read (judged by the chain policy).", c => Volatile.Read(ref c.Malformed));
        QueueFamily(text, metrics, "daf_queue_enobufs_total", "Receive buffer overruns (ENOBUFS): packets the kernel could not queue to app-fw.", c => Volatile.Read(ref c.Enobufs));
        Family(text, "daf_verdict_messages_total", "counter", "Verdict messages sent to the kernel, by kind.");
        foreach (var (chain, queue, c) in metrics.Queues)
        {
            Sample(text, "daf_verdict_messages_total", QueueLabels(chain, queue) + ",kind=\"single\"", Volatile.Read(ref c.VerdictMessages));
            Sample(text, "daf_verdict_messages_total", QueueLabels(chain, queue) + ",kind=\"batch\"", Volatile.Read(ref c.BatchVerdictMessages));
        }
        QueueFamily(text, metrics, "daf_packets_deferred_total", "Packets handed to the attribution actor because their holders were not in memory.", c => Volatile.Read(ref c.Deferred));
        QueueFamily(text, metrics, "daf_packets_unattributed_total", "Packets an identity rule judged without all their holders known.", c => Volatile.Read(ref c.Unattributed));
        QueueFamily(text, metrics, "daf_identity_lookups_total", "Packets whose holders were looked up on the reader's hot path.", c => Volatile.Read(ref c.IdentityLookups));
        HoldHistogram(text, metrics);
        Family(text, "daf_deferred_hold_max_seconds", "gauge", "Longest a deferred packet waited for its verdict since app-fw started.");
        foreach (var (chain, queue, c) in metrics.Queues)
            Sample(text, "daf_deferred_hold_max_seconds", QueueLabels(chain, queue), c.DeferredHold.MaxMicroseconds / 1e6);

        if (metrics.DigestCache is { } cache)
        {
            Family(text, "daf_digest_cache_hits_total", "counter", "Object digests answered from the cache.");
            Sample(text, "daf_digest_cache_hits_total", "", cache.Hits);
            Family(text, "daf_digest_cache_misses_total", "counter", "Object digests that had to be computed.");
            Sample(text, "daf_digest_cache_misses_total", "", cache.Misses);
            Family(text, "daf_hashed_bytes_total", "counter", "Bytes hashed with SHA-256.");
            Sample(text, "daf_hashed_bytes_total", "", cache.BytesHashed);
            Family(text, "daf_hashing_seconds_total", "counter", "Time spent hashing objects.");
            Sample(text, "daf_hashing_seconds_total", "", Math.Round(cache.HashingTime.TotalSeconds, 6));
        }
        if (metrics.Locator is { } locator)
        {
            Family(text, "daf_socket_lookups_total", "counter", "Slow-path socket lookups (sock_diag, /proc/net) by outcome.");
            Sample(text, "daf_socket_lookups_total", "result=\"found\"", locator.Found);
            Sample(text, "daf_socket_lookups_total", "result=\"not_found\"", locator.NotFound);
            Sample(text, "daf_socket_lookups_total", "result=\"rate_limited\"", locator.RateLimited);
            Sample(text, "daf_socket_lookups_total", "result=\"unattributable\"", locator.Unattributable);
        }

        Family(text, "daf_rule_matches_total", "counter", "Packets each rule matched (the numbers ctl-fw -L -v shows), by chain and rule number.");
        foreach (var chain in Enum.GetValues<Chain>())
        {
            var counts = snapshot.MatchCounts(chain);
            for (var i = 0; i < counts.Length; i++)
                Sample(text, "daf_rule_matches_total",
                    $"chain=\"{ChainName(chain)}\",rule=\"{(i + 1).ToString(CultureInfo.InvariantCulture)}\"", counts[i]);
        }
        return text.ToString();
    }

    /// <summary>The deferred packets' hold times as a Prometheus histogram (cumulative buckets, sum, count).</summary>
    private static void HoldHistogram(StringBuilder text, DaemonMetrics metrics)
    {
        const string name = "daf_deferred_hold_seconds";
        Family(text, name, "histogram", "Time deferred packets waited for their verdict (deferral to the attribution actor's verdict).");
        var bounds = Queue.HoldTimes.BoundsMicroseconds;
        foreach (var (chain, queue, c) in metrics.Queues)
        {
            var labels = QueueLabels(chain, queue);
            long cumulative = 0;
            for (var i = 0; i < bounds.Length; i++)
            {
                cumulative += c.DeferredHold.Bucket(i);
                Sample(text, name + "_bucket", labels + ",le=\"" + (bounds[i] / 1e6).ToString("R", CultureInfo.InvariantCulture) + "\"", cumulative);
            }
            long count = cumulative + c.DeferredHold.Bucket(bounds.Length); // +Inf equals _count even while packets are recorded
            Sample(text, name + "_bucket", labels + ",le=\"+Inf\"", count);
            Sample(text, name + "_sum", labels, c.DeferredHold.SumMicroseconds / 1e6);
            Sample(text, name + "_count", labels, count);
        }
    }

    private static void QueueFamily(StringBuilder text, DaemonMetrics metrics, string name, string help,
        Func<Queue.QueueCounters, long> field)
    {
        Family(text, name, "counter", help);
        foreach (var (chain, queue, c) in metrics.Queues)
            Sample(text, name, QueueLabels(chain, queue), field(c));
    }

    private static string QueueLabels(Chain chain, ushort queue) =>
        $"queue=\"{queue.ToString(CultureInfo.InvariantCulture)}\",chain=\"{ChainName(chain)}\"";

    private static string ChainName(Chain chain) => chain.ToString().ToUpperInvariant();

    private static void Family(StringBuilder text, string name, string type, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n')
            .Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Sample(StringBuilder text, string name, string labels, double value)
    {
        text.Append(name);
        if (labels.Length != 0) text.Append('{').Append(labels).Append('}');
        text.Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void Sample(StringBuilder text, string name, string labels, long value)
    {
        text.Append(name);
        if (labels.Length != 0) text.Append('{').Append(labels).Append('}');
        text.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }
}
