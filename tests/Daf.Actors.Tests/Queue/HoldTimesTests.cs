// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Queue;

namespace Daf.Actors.Tests.Queue;

public sealed class HoldTimesTests
{
    [Fact]
    public void Each_hold_lands_in_the_first_bucket_whose_bound_it_does_not_exceed()
    {
        var holds = new HoldTimes();
        holds.Record(0);
        holds.Record(1_000);            // on the 1 ms bound: in it
        holds.Record(1_001);            // just over: the 10 ms bucket
        holds.Record(999_999);
        holds.Record(1_000_000);        // exactly 1 s is not "longer than 1 s"
        holds.Record(1_000_001);
        holds.Record(-5);               // a clock step never makes a negative hold

        Assert.Equal(3, holds.Bucket(0));
        Assert.Equal(1, holds.Bucket(1));
        Assert.Equal(2, holds.Bucket(HoldTimes.BoundsMicroseconds.Length - 1));
        Assert.Equal(1, holds.OverOneSecond);
        Assert.Equal(7, holds.Count);
        Assert.Equal(1_000_001, holds.MaxMicroseconds);
        Assert.Equal(0 + 1_000 + 1_001 + 999_999 + 1_000_000 + 1_000_001, holds.SumMicroseconds);
    }

    [Fact]
    public void Concurrent_records_lose_no_count_and_keep_the_largest()
    {
        var holds = new HoldTimes();
        Parallel.For(0, 4, worker =>
        {
            for (long i = 1; i <= 10_000; i++) holds.Record(i * 100 + worker);
        });

        Assert.Equal(40_000, holds.Count);
        long buckets = 0;
        for (var i = 0; i <= HoldTimes.BoundsMicroseconds.Length; i++) buckets += holds.Bucket(i);
        Assert.Equal(40_000, buckets);
        Assert.Equal(1_000_003, holds.MaxMicroseconds);
        Assert.Equal(3, holds.OverOneSecond); // 1,000,000 + worker for workers 1..3; worker 0's 1,000,000 is not over
    }
}
