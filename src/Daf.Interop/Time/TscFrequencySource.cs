// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Time;

/// <summary>Where <see cref="TscClock.FrequencyHz"/> came from, in precedence order.</summary>
public enum TscFrequencySource
{
    /// <summary>The frequency argument given to <see cref="TscClock.Create(ulong?, ulong?, out string?)"/>.</summary>
    Argument,
    /// <summary>The BASE_FREQ environment variable (Hz).</summary>
    Environment,
    /// <summary>The build-time default (make BASE_FREQ=...) the caller passed.</summary>
    BuildDefault,
    /// <summary>Measured at start against the monotonic clock.</summary>
    Calibrated,
    /// <summary>No TSC: ticks are monotonic-clock ticks (<see cref="System.Diagnostics.Stopwatch.Frequency"/>).</summary>
    Monotonic,
}
