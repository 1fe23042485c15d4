// SPDX-License-Identifier: Apache-2.0
using System.Text.Json;
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>
/// The identity counters of one queue in stats.json (`unattributed`, `deferred`, `identityLookups`), each
/// null while the daemon does not report it.
/// </summary>
public sealed record IdentityCounters(long? Unattributed, long? Deferred, long? IdentityLookups)
{
    public static IdentityCounters Of(DaemonStats stats, int queue)
    {
        using var doc = JsonDocument.Parse(stats.Json);
        foreach (var q in doc.RootElement.GetProperty("queues").EnumerateArray())
        {
            if (q.GetProperty("queue").GetInt32() == queue)
                return new IdentityCounters(Read(q, "unattributed"), Read(q, "deferred"), Read(q, "identityLookups"));
        }
        throw new Xunit.Sdk.XunitException($"queue {queue} missing from stats.json: {stats.Json}");
    }

    private static long? Read(JsonElement queue, string name) =>
        queue.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : null;
}
