// SPDX-License-Identifier: Apache-2.0
using System.Text.Json;
using Daf.Actors.Queue;
using Daf.Actors.Rules;

namespace Daf.Actors.Stats;

/// <summary>The daemon's counters as JSON: written to STATE_DIR/stats.json on SIGUSR1 and at exit.</summary>
public sealed class StatsReport(IReadOnlyList<(Chain Chain, ushort Queue, QueueCounters Counters)> queues, RuleSetCell rules, DateTime startedUtc)
{
    public const string FileName = "stats.json";

    /// <summary>The `identity` object (socket lookups, released sockets); null: left out.</summary>
    public IdentityStatsReport? Identity { get; set; }

    public byte[] ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false }))
        {
            json.WriteStartObject();
            json.WriteNumber("uptimeSeconds", Math.Round((DateTime.UtcNow - startedUtc).TotalSeconds, 3));
            json.WriteNumber("ruleVersion", rules.Version);
            json.WriteNumber("ruleCount", rules.Rules.Count);
            json.WriteNumber("allocatedBytes", GC.GetTotalAllocatedBytes(precise: true));
            long total = 0;
            foreach (var q in queues) total += Volatile.Read(ref q.Counters.Received);
            json.WriteNumber("packetsTotal", total);
            json.WriteStartArray("queues");
            foreach (var (chain, queue, c) in queues)
            {
                json.WriteStartObject();
                json.WriteNumber("queue", queue);
                json.WriteString("chain", chain.ToString().ToUpperInvariant());
                json.WriteNumber("received", Volatile.Read(ref c.Received));
                json.WriteNumber("accepted", Volatile.Read(ref c.Accepted) + Volatile.Read(ref c.DeferredAccepted));
                json.WriteNumber("dropped", Volatile.Read(ref c.Dropped) + Volatile.Read(ref c.DeferredDropped));
                json.WriteNumber("malformed", Volatile.Read(ref c.Malformed));
                json.WriteNumber("enobufs", Volatile.Read(ref c.Enobufs));
                json.WriteNumber("truncated", Volatile.Read(ref c.Truncated));
                json.WriteNumber("verdictMessages", Volatile.Read(ref c.VerdictMessages));
                json.WriteNumber("batchVerdictMessages", Volatile.Read(ref c.BatchVerdictMessages));
                json.WriteNumber("verdictDatagrams", Volatile.Read(ref c.VerdictDatagrams));
                json.WriteNumber("deferred", Volatile.Read(ref c.Deferred));
                json.WriteNumber("unattributed", Volatile.Read(ref c.Unattributed));
                json.WriteNumber("identityLookups", Volatile.Read(ref c.IdentityLookups));
                json.WriteNumber("deferredDecided", c.DeferredHold.Count);
                json.WriteNumber("deferredHoldMaxMs", c.DeferredHold.MaxMicroseconds / 1000.0);
                json.WriteNumber("deferredHoldSumMs", c.DeferredHold.SumMicroseconds / 1000.0);
                json.WriteNumber("deferredHeldOver1s", c.DeferredHold.OverOneSecond);
                json.WriteNumber("payloadVerdictMessages", Volatile.Read(ref c.PayloadVerdictMessages));
                json.WriteNumber("signed", Volatile.Read(ref c.Signed));
                json.WriteNumber("signedWithoutApp", Volatile.Read(ref c.SignedWithoutApp));
                json.WriteNumber("signFailed", Volatile.Read(ref c.SignFailed));
                json.WriteNumber("verified", Volatile.Read(ref c.Verified));
                json.WriteNumber("unsigned", Volatile.Read(ref c.Unsigned));
                json.WriteNumber("forged", Volatile.Read(ref c.Forged));
                json.WriteNumber("replayed", Volatile.Read(ref c.Replayed));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            Identity?.Write(json);
            json.WriteEndObject();
        }
        return stream.ToArray();
    }

    /// <summary>Writes the report to <paramref name="directory"/>/stats.json atomically (temporary file, fsync, rename).</summary>
    public void WriteTo(string directory)
    {
        var path = Path.Combine(directory, FileName);
        var temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(ToJson());
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }
}
