// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Daf.Interop.Time;

namespace Daf.Interop.Tests.Time;

public sealed class TscClockTests
{
    private const ulong ThreeGigahertz = 3_000_000_017; // not a round number: no accidental exact divisions

    private static TscClock Clock(ulong? argumentHz = null, string? environment = null, ulong? buildDefault = null,
        bool forceMonotonic = false) =>
        TscClock.Create(argumentHz, environment, buildDefault, forceMonotonic, out _);

    // The build and CI machines have an invariant TSC (kernel-facts.md); the fallback has its own forced test.
    private static void RequireTsc(TscClock clock) =>
        Assert.True(clock.UsesTsc, "this test needs an invariant TSC, which the project's machines have");

    [Fact]
    public void Uses_the_tsc_exactly_when_cpuid_reports_it_invariant()
    {
        TscClock clock = TscClock.Create(null, null, out string? warning);
        Assert.Equal(RdtscThunk.HasInvariantTsc(), clock.UsesTsc);
        if (Environment.GetEnvironmentVariable(TscClock.BaseFrequencyVariable) is null)
            Assert.Equal(clock.UsesTsc ? TscFrequencySource.Calibrated : TscFrequencySource.Monotonic, clock.FrequencySource);
        if (!clock.UsesTsc)
            Assert.Contains("monotonic", warning);
    }

    [Fact]
    public void Conversions_at_2_pow_62_ticks_are_exact()
    {
        TscClock clock = Clock(ThreeGigahertz);
        const long ticks = 1L << 62; // ~48 years at 3 GHz
        Assert.Equal((long)((Int128)ticks * 1_000_000_000 / ThreeGigahertz), clock.TicksToNanoseconds(ticks));
        Assert.Equal((long)((Int128)long.MaxValue * 1_000_000_000 / ThreeGigahertz), clock.TicksToNanoseconds(long.MaxValue));
        const long nanoseconds = 1L << 61; // ~73 years: still fits in 63-bit ticks at 3 GHz
        Assert.Equal((long)((Int128)nanoseconds * ThreeGigahertz / 1_000_000_000), clock.NanosecondsToTicks(nanoseconds));
    }

    [Fact]
    public void Conversions_that_exceed_63_bits_saturate_instead_of_wrapping()
    {
        TscClock clock = Clock(ThreeGigahertz);
        Assert.Equal(long.MaxValue, clock.NanosecondsToTicks(1L << 62));
        Assert.Equal(long.MaxValue, clock.NanosecondsToTicks(long.MaxValue));
        Assert.Equal(-long.MaxValue, clock.NanosecondsToTicks(long.MinValue));
    }

    [Fact]
    public void Negative_tick_differences_convert_symmetrically()
    {
        TscClock clock = Clock(ThreeGigahertz);
        Assert.Equal(-clock.TicksToNanoseconds(123_456_789_012), clock.TicksToNanoseconds(-123_456_789_012));
        Assert.Equal(-clock.NanosecondsToTicks(50_000), clock.NanosecondsToTicks(-50_000));
    }

    [Theory]
    [InlineData(1_000_000_000UL)]
    [InlineData(2_918_345_671UL)]
    [InlineData(19_999_999_999UL)] // above 2^64 / 10^9: the remainder product needs 128 bits
    [InlineData(1_000UL)]
    public void Scaling_matches_128_bit_reference_for_random_values(ulong frequency)
    {
        var random = new Random(1234);
        for (int i = 0; i < 20_000; i++)
        {
            ulong value = (ulong)random.NextInt64(long.MaxValue) >> random.Next(0, 63);
            Assert.Equal(Reference(value, 1_000_000_000, frequency), TickMath.Scale(value, 1_000_000_000, frequency));
            Assert.Equal(Reference(value, frequency, 1_000_000_000), TickMath.Scale(value, frequency, 1_000_000_000));
        }

        static long Reference(ulong value, ulong numerator, ulong denominator)
        {
            UInt128 exact = (UInt128)value * numerator / denominator;
            return exact > long.MaxValue ? long.MaxValue : (long)exact;
        }
    }

    [Fact]
    public void Round_trip_of_a_year_loses_less_than_a_tick()
    {
        TscClock clock = Clock(ThreeGigahertz);
        long year = 365L * 24 * 3600 * 1_000_000_000;
        long ticks = clock.NanosecondsToTicks(year);
        Assert.InRange(year - clock.TicksToNanoseconds(ticks), 0, 1);
    }

    [Fact]
    public void Now_never_goes_backwards()
    {
        TscClock clock = Clock();
        long previous = clock.Now();
        for (int i = 0; i < 200_000; i++)
        {
            if (i % 10_000 == 0)
                Thread.Yield(); // invite a migration to the other core
            long now = clock.Now();
            Assert.True(now >= previous, $"tick {now} after {previous}");
            previous = now;
        }
    }

    // A preempted vCPU can stretch one window on a shared machine: the best of three comparisons must agree,
    // and the calibration may take longer than its nominal ~25 ms, but never seconds.
    [Fact]
    public void Calibrated_frequency_is_within_1_percent_of_a_100_ms_stopwatch_measurement()
    {
        TscClock clock = Clock();
        RequireTsc(clock);
        double best = double.MaxValue;
        for (int attempt = 0; attempt < 3 && best > 0.01; attempt++)
        {
            long tick0 = clock.Now(), stopwatch0 = Stopwatch.GetTimestamp();
            Thread.Sleep(100);
            long tick1 = clock.Now(), stopwatch1 = Stopwatch.GetTimestamp();
            double measured = (double)(tick1 - tick0) * Stopwatch.Frequency / (stopwatch1 - stopwatch0);
            best = Math.Min(best, Math.Abs(measured / clock.FrequencyHz - 1));
        }
        Assert.InRange(best, 0, 0.01);
        Assert.True(clock.CalibrationTime < TimeSpan.FromSeconds(2), $"calibration took {clock.CalibrationTime}");
    }

    [Fact]
    public void A_frequency_argument_is_honoured_and_warned_about_when_far_from_the_measurement()
    {
        TscClock measured = Clock();
        ulong doubled = measured.FrequencyHz * 2;
        TscClock clock = TscClock.Create(doubled, "1234", null, forceMonotonic: false, out string? warning);
        RequireTsc(clock);
        Assert.Equal(doubled, clock.FrequencyHz);
        Assert.Equal(TscFrequencySource.Argument, clock.FrequencySource);
        Assert.Contains("differs by more than 5%", warning);
        Assert.Equal(1_000_000_000, clock.TicksToNanoseconds((long)doubled));
    }

    [Fact]
    public void A_frequency_close_to_the_measurement_gives_no_warning()
    {
        TscClock measured = Clock();
        RequireTsc(measured);
        ulong close = measured.FrequencyHz / 100 * 102;
        TscClock clock = TscClock.Create(close, null, null, forceMonotonic: false, out string? warning);
        Assert.Equal(close, clock.FrequencyHz);
        Assert.Null(warning);
    }

    [Fact]
    public void Precedence_is_argument_then_environment_then_build_default_then_calibration()
    {
        RequireTsc(Clock());
        Assert.Equal(TscFrequencySource.Argument, Clock(111_000_000, "222000000", 333_000_000).FrequencySource);
        TscClock fromEnvironment = Clock(null, "222000000", 333_000_000);
        Assert.Equal((TscFrequencySource.Environment, 222_000_000UL), (fromEnvironment.FrequencySource, fromEnvironment.FrequencyHz));
        TscClock fromBuild = Clock(null, null, 333_000_000);
        Assert.Equal((TscFrequencySource.BuildDefault, 333_000_000UL), (fromBuild.FrequencySource, fromBuild.FrequencyHz));
        Assert.Equal(TscFrequencySource.Calibrated, Clock(null, "", 0).FrequencySource);
    }

    [Fact]
    public void An_unparsable_environment_value_is_ignored_with_a_warning()
    {
        TscClock clock = TscClock.Create(null, "3.2GHz", null, forceMonotonic: false, out string? warning);
        Assert.NotEqual(TscFrequencySource.Environment, clock.FrequencySource);
        Assert.Contains("BASE_FREQ='3.2GHz'", warning);
    }

    [Fact]
    public void A_zero_frequency_argument_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Clock(0));
    }

    [Fact]
    public void Forced_fallback_ticks_with_the_monotonic_clock_and_warns()
    {
        TscClock clock = TscClock.Create(ThreeGigahertz, null, null, forceMonotonic: true, out string? warning);
        Assert.False(clock.UsesTsc);
        Assert.Equal(TscFrequencySource.Monotonic, clock.FrequencySource);
        Assert.Equal((ulong)Stopwatch.Frequency, clock.FrequencyHz);
        Assert.Contains("using the monotonic clock", warning);
        Assert.Contains("does not apply", warning);

        long before = Stopwatch.GetTimestamp();
        long now = clock.Now();
        long after = Stopwatch.GetTimestamp();
        Assert.InRange(now, before, after);
        Assert.Equal(1_000_000_000L, clock.TicksToNanoseconds(Stopwatch.Frequency));
    }
}
