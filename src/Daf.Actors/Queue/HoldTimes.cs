// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Queue;

/// <summary>
/// How long deferred packets waited for their verdict, from their deferral by the queue reader to the verdict the
/// attribution actor hands to the batcher: a fixed-bucket histogram, the sum and the longest. Recorded off the hot path
/// (attribution actors, interlocked, no allocation); read by stats.json and the Prometheus endpoint.
/// </summary>
public sealed class HoldTimes
{
    /// <summary>Upper bounds of the buckets, in microseconds; a last bucket counts what took longer than 1 s.</summary>
    public static ReadOnlySpan<long> BoundsMicroseconds => [1_000, 10_000, 50_000, 100_000, 250_000, 500_000, 1_000_000];

    public const long OneSecondMicroseconds = 1_000_000;

    private readonly long[] _buckets = new long[BoundsMicroseconds.Length + 1];
    private long _count, _sumMicroseconds, _maxMicroseconds;

    public long Count => Volatile.Read(ref _count);
    public long SumMicroseconds => Volatile.Read(ref _sumMicroseconds);
    public long MaxMicroseconds => Volatile.Read(ref _maxMicroseconds);

    /// <summary>Packets held longer than 1 s (the last bucket).</summary>
    public long OverOneSecond => Volatile.Read(ref _buckets[^1]);

    /// <summary>Packets in bucket <paramref name="index"/> alone (not cumulative); the last index is "over 1 s".</summary>
    public long Bucket(int index) => Volatile.Read(ref _buckets[index]);

    public void Record(long microseconds)
    {
        if (microseconds < 0) microseconds = 0;
        var bounds = BoundsMicroseconds;
        int index = 0;
        while (index < bounds.Length && microseconds > bounds[index]) index++;
        Interlocked.Increment(ref _buckets[index]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sumMicroseconds, microseconds);
        long max = Volatile.Read(ref _maxMicroseconds);
        while (microseconds > max)
        {
            long seen = Interlocked.CompareExchange(ref _maxMicroseconds, microseconds, max);
            if (seen == max) break;
            max = seen;
        }
    }
}
