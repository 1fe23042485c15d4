// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using System.Globalization;

namespace Daf.Interop.Time;

/// <summary>
/// A monotonic tick source: the invariant TSC read with RDTSC (see <see cref="RdtscThunk"/>), or the monotonic
/// clock when the CPU lacks an invariant TSC. Tick-to-time conversions are exact and never overflow for any
/// 63-bit tick count (centuries of uptime); results beyond <see cref="long.MaxValue"/> saturate.
/// </summary>
/// <remarks>
/// Frequency precedence: explicit argument &gt; environment variable <c>BASE_FREQ</c> (Hz) &gt; build-time default
/// passed by the caller (<c>make BASE_FREQ=...</c>) &gt; calibration at start. The TSC is calibrated even when a
/// frequency is given, so that an override more than 5% off the measurement is reported (and still honoured).
/// </remarks>
public sealed unsafe class TscClock
{
    /// <summary>The environment variable holding a frequency override in Hz.</summary>
    public const string BaseFrequencyVariable = "BASE_FREQ";

    private const ulong NanosecondsPerSecond = 1_000_000_000;
    private const ulong OverrideTolerancePercent = 5;
    private const ulong MinimumPlausibleHz = 1_000_000; // a TSC that barely moves (broken virtualisation) is no clock

    private readonly delegate* unmanaged[SuppressGCTransition]<ulong> _rdtsc;

    private TscClock(delegate* unmanaged[SuppressGCTransition]<ulong> rdtsc, ulong frequencyHz, TscFrequencySource source,
        ulong? calibratedFrequencyHz, TimeSpan calibrationTime)
    {
        _rdtsc = rdtsc;
        FrequencyHz = frequencyHz;
        FrequencySource = source;
        CalibratedFrequencyHz = calibratedFrequencyHz;
        CalibrationTime = calibrationTime;
    }

    /// <summary>True when ticks come from RDTSC; false on the monotonic-clock fallback.</summary>
    public bool UsesTsc => _rdtsc != null;

    /// <summary>Ticks per second.</summary>
    public ulong FrequencyHz { get; }

    /// <summary>Where <see cref="FrequencyHz"/> came from.</summary>
    public TscFrequencySource FrequencySource { get; }

    /// <summary>The frequency measured at start; null on the monotonic fallback.</summary>
    public ulong? CalibratedFrequencyHz { get; }

    /// <summary>How long the calibration took (zero on the fallback).</summary>
    public TimeSpan CalibrationTime { get; }

    /// <summary>
    /// Probes CPUID for an invariant TSC, calibrates its frequency (or takes
    /// <paramref name="frequencyOverrideHz"/>, else BASE_FREQ from the environment), or falls back to the
    /// monotonic clock. <paramref name="warning"/> says why when the fallback is taken or the override looks wrong.
    /// </summary>
    public static TscClock Create(ulong? frequencyOverrideHz, out string? warning) =>
        Create(frequencyOverrideHz, buildDefaultHz: null, out warning);

    /// <summary>
    /// As <see cref="Create(ulong?, out string?)"/>, with the build-time default frequency (0 or null: none)
    /// ranked below the argument and the environment.
    /// </summary>
    public static TscClock Create(ulong? frequencyOverrideHz, ulong? buildDefaultHz, out string? warning) =>
        Create(frequencyOverrideHz, Environment.GetEnvironmentVariable(BaseFrequencyVariable), buildDefaultHz,
            forceMonotonic: false, out warning);

    /// <summary>The factory behind the public ones; tests pass the environment value and can force the fallback.</summary>
    internal static TscClock Create(ulong? argumentHz, string? environmentValue, ulong? buildDefaultHz, bool forceMonotonic,
        out string? warning)
    {
        if (argumentHz == 0)
            throw new ArgumentOutOfRangeException(nameof(argumentHz), "a TSC frequency must be positive");

        var warnings = new List<string>(2);
        (ulong Hz, TscFrequencySource Source)? chosen = ChooseOverride(argumentHz, environmentValue, buildDefaultHz, warnings);

        string? unavailable = forceMonotonic ? "the TSC is disabled" : TscUnavailableReason();
        delegate* unmanaged[SuppressGCTransition]<ulong> rdtsc = null;
        if (unavailable is null)
        {
            rdtsc = RdtscThunk.TryGet(out string? mapFailure);
            if (rdtsc == null)
                unavailable = "cannot map the RDTSC helper: " + mapFailure;
        }

        ulong calibrated = 0;
        TimeSpan took = TimeSpan.Zero;
        if (unavailable is null)
        {
            long started = Stopwatch.GetTimestamp();
            calibrated = TscCalibrator.Calibrate(rdtsc);
            took = Stopwatch.GetElapsedTime(started);
            if (calibrated < MinimumPlausibleHz)
                unavailable = $"the TSC measured {calibrated} Hz, which is implausible";
        }

        TscClock clock;
        if (unavailable is not null)
        {
            string ignored = chosen is { } o ? $"; the {Describe(o.Source)} of {o.Hz} Hz does not apply" : "";
            warnings.Add($"{unavailable}: using the monotonic clock{ignored}");
            clock = new TscClock(null, (ulong)Stopwatch.Frequency, TscFrequencySource.Monotonic, null, TimeSpan.Zero);
        }
        else if (chosen is { } o)
        {
            ulong difference = o.Hz > calibrated ? o.Hz - calibrated : calibrated - o.Hz;
            if (difference > (ulong)TickMath.Scale(calibrated, OverrideTolerancePercent, 100))
                warnings.Add($"the {Describe(o.Source)} of {o.Hz} Hz differs by more than {OverrideTolerancePercent}% "
                    + $"from the measured TSC frequency {calibrated} Hz; using {o.Hz} Hz");
            clock = new TscClock(rdtsc, o.Hz, o.Source, calibrated, took);
        }
        else
        {
            clock = new TscClock(rdtsc, calibrated, TscFrequencySource.Calibrated, calibrated, took);
        }

        warning = warnings.Count == 0 ? null : string.Join("; ", warnings);
        return clock;
    }

    /// <summary>The current tick count.</summary>
    public long Now() => _rdtsc != null ? (long)_rdtsc() : Stopwatch.GetTimestamp();

    /// <summary>Converts ticks to nanoseconds without overflow for any 63-bit tick count.</summary>
    public long TicksToNanoseconds(long ticks) => TickMath.ScaleSigned(ticks, NanosecondsPerSecond, FrequencyHz);

    /// <summary>Converts nanoseconds to ticks without overflow.</summary>
    public long NanosecondsToTicks(long nanoseconds) => TickMath.ScaleSigned(nanoseconds, FrequencyHz, NanosecondsPerSecond);

    private static (ulong, TscFrequencySource)? ChooseOverride(ulong? argumentHz, string? environmentValue,
        ulong? buildDefaultHz, List<string> warnings)
    {
        ulong? environmentHz = null;
        if (!string.IsNullOrWhiteSpace(environmentValue))
        {
            if (ulong.TryParse(environmentValue.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out ulong hz) && hz > 0)
                environmentHz = hz;
            else
                warnings.Add($"{BaseFrequencyVariable}='{environmentValue}' is not a frequency in Hz; ignored");
        }

        if (argumentHz is { } a)
            return (a, TscFrequencySource.Argument);
        if (environmentHz is { } e)
            return (e, TscFrequencySource.Environment);
        if (buildDefaultHz is { } b and > 0)
            return (b, TscFrequencySource.BuildDefault);
        return null;
    }

    private static string? TscUnavailableReason()
    {
        if (!System.Runtime.Intrinsics.X86.X86Base.X64.IsSupported)
            return "not an x86-64 CPU";
        if (!RdtscThunk.HasInvariantTsc())
            return "no invariant TSC (CPUID 0x80000007 EDX bit 8 clear)";
        return null;
    }

    private static string Describe(TscFrequencySource source) => source switch
    {
        TscFrequencySource.Argument => "frequency argument",
        TscFrequencySource.Environment => $"{BaseFrequencyVariable} environment value",
        TscFrequencySource.BuildDefault => "build-time BASE_FREQ",
        _ => source.ToString(),
    };
}
