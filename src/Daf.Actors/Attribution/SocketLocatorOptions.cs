// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Attribution;

/// <summary>Bounds of a <see cref="SocketLocator"/>: cache size and lifetime, lookup rate per uid.</summary>
public sealed record SocketLocatorOptions
{
    /// <summary>Most flows cached; adding beyond it drops expired entries, then arbitrary ones down to 3/4.</summary>
    public int CacheCapacity { get; init; } = 65_536;
    /// <summary>How long a cached flow is trusted without an invalidation (a safety net for missed close events).</summary>
    public TimeSpan CacheLifetime { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Slow-path lookups per second each uid may cause (NFQA_UID; packets without it share one bucket).</summary>
    public double LookupsPerSecondPerUid { get; init; } = 500;
    /// <summary>Lookups a uid may make at once before the rate applies.</summary>
    public int LookupBurstPerUid { get; init; } = 100;
    /// <summary>Uids with a bucket of their own; further uids share the overflow bucket.</summary>
    public int MaxTrackedUids { get; init; } = 4096;
}
