// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Time;

/// <summary>
/// A monotonic tick source: the invariant TSC read with RDTSC, or the monotonic clock when the
/// CPU lacks an invariant TSC. STUB: replaced by the TSC work.
/// </summary>
public sealed class TscClock
{
    private TscClock(bool usesTsc, ulong frequencyHz)
    {
        UsesTsc = usesTsc;
        FrequencyHz = frequencyHz;
    }

    /// <summary>True when ticks come from RDTSC; false on the monotonic-clock fallback.</summary>
    public bool UsesTsc { get; }

    /// <summary>Ticks per second.</summary>
    public ulong FrequencyHz { get; }

    /// <summary>
    /// Probes CPUID for an invariant TSC, calibrates its frequency (or takes
    /// <paramref name="frequencyOverrideHz"/>, e.g. from BASE_FREQ), or falls back to the monotonic clock.
    /// <paramref name="warning"/> says why when the fallback is taken or the override looks wrong.
    /// </summary>
    public static TscClock Create(ulong? frequencyOverrideHz, out string? warning)
    {
        warning = null;
        return new TscClock(false, (ulong)System.Diagnostics.Stopwatch.Frequency);
    }

    /// <summary>The current tick count.</summary>
    public long Now() => System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>Converts ticks to nanoseconds without overflow for any 63-bit tick count.</summary>
    public long TicksToNanoseconds(long ticks) => (long)((Int128)ticks * 1_000_000_000 / FrequencyHz);

    /// <summary>Converts nanoseconds to ticks without overflow.</summary>
    public long NanosecondsToTicks(long nanoseconds) => (long)((Int128)nanoseconds * FrequencyHz / 1_000_000_000);
}
