// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Tests.Tracking;

/// <summary>A monotonic clock that moves only when told to.</summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private long _ticks = 1_000_000;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => _ticks;

    public void Advance(TimeSpan by) => _ticks += by.Ticks;
}
