// SPDX-License-Identifier: Apache-2.0
using System.Text.Json;

namespace Daf.EndToEnd.Tests.Infrastructure;

/// <summary>The daemon's STATE_DIR/stats.json (written on SIGUSR1 and at exit).</summary>
public sealed record DaemonStats
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public double UptimeSeconds { get; init; }
    public long RuleVersion { get; init; }
    public long AllocatedBytes { get; init; }
    public long PacketsTotal { get; init; }
    public IReadOnlyList<QueueStats> Queues { get; init; } = [];

    /// <summary>The raw file, for assertion messages.</summary>
    public string Json { get; init; } = "";

    public static DaemonStats Parse(string json) =>
        (JsonSerializer.Deserialize<DaemonStats>(json, s_json) ?? throw new JsonException("stats.json is null")) with { Json = json };

    public QueueStats Queue(int queue) =>
        Queues.FirstOrDefault(q => q.Queue == queue)
        ?? throw new Xunit.Sdk.XunitException($"queue {queue} missing from stats.json: {Json}");

    public override string ToString() => Json;
}
