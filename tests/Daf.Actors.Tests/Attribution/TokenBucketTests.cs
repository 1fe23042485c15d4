// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Daf.Actors.Attribution;

namespace Daf.Actors.Tests.Attribution;

public sealed class TokenBucketTests
{
    [Fact]
    public void Burst_is_granted_then_refused_until_time_refills_it()
    {
        var bucket = new TokenBucket(perSecond: 10, burst: 3, now: 0);

        Assert.True(bucket.TryTake(0));
        Assert.True(bucket.TryTake(0));
        Assert.True(bucket.TryTake(0));
        Assert.False(bucket.TryTake(0));
        Assert.False(bucket.TryTake(Stopwatch.Frequency / 20)); // half a token
        Assert.True(bucket.TryTake(Stopwatch.Frequency / 10));
        Assert.False(bucket.TryTake(Stopwatch.Frequency / 10));
    }

    [Fact]
    public void Refill_never_exceeds_the_burst()
    {
        var bucket = new TokenBucket(perSecond: 1000, burst: 2, now: 0);
        long later = Stopwatch.Frequency * 3600;

        Assert.True(bucket.TryTake(later));
        Assert.True(bucket.TryTake(later));
        Assert.False(bucket.TryTake(later));
    }
}
