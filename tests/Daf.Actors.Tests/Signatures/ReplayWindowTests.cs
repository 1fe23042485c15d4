// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Signatures;

namespace Daf.Actors.Tests.Signatures;

public sealed class ReplayWindowTests
{
    [Fact]
    public void Accepts_each_counter_once_within_the_window_and_nothing_older()
    {
        var window = new ReplayWindow(128);

        Assert.True(window.TryMark(1000));
        Assert.False(window.TryMark(1000));
        Assert.True(window.TryMark(900));       // 100 behind: inside
        Assert.False(window.TryMark(900));
        Assert.True(window.TryMark(873));       // 127 behind: the oldest inside
        Assert.False(window.IsFresh(872));      // 128 behind: outside
        Assert.True(window.TryMark(1001));
        Assert.False(window.IsFresh(873));
        Assert.Equal(1001ul, window.Highest);
    }

    [Fact]
    public void Bits_of_counters_the_window_slid_past_are_cleared()
    {
        var window = new ReplayWindow(64);
        for (ulong c = 1; c <= 64; c++)
            Assert.True(window.TryMark(c));
        Assert.True(window.TryMark(100));       // slides by 36: 37..64 stay marked, 65..99 are new
        for (ulong c = 37; c <= 64; c++)
            Assert.False(window.IsFresh(c));
        for (ulong c = 65; c < 100; c++)
            Assert.True(window.TryMark(c));
        Assert.True(window.TryMark(1_000_000)); // a jump past the whole window
        Assert.True(window.TryMark(1_000_000 - 63));
        Assert.False(window.IsFresh(1_000_000 - 64));
    }

    [Fact]
    public void Matches_a_set_of_seen_counters_on_a_random_sequence()
    {
        const int size = 256;
        var window = new ReplayWindow(size);
        var seen = new HashSet<ulong>();
        ulong highest = 0;
        var rng = new Random(5);
        ulong next = 1;
        for (int i = 0; i < 20_000; i++)
        {
            ulong counter = rng.Next(4) == 0 ? next - (ulong)Math.Min((long)next - 1, rng.Next(400)) : next++;
            bool expected = !seen.Contains(counter) && (seen.Count == 0 || counter > highest || highest - counter < size);
            Assert.Equal(expected, window.TryMark(counter));
            if (expected)
            {
                seen.Add(counter);
                highest = Math.Max(highest, counter);
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(-64)]
    public void Sizes_that_are_not_positive_multiples_of_64_are_refused(int size) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReplayWindow(size));
}
