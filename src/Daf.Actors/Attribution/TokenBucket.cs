// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Attribution;

/// <summary>A token bucket on Stopwatch ticks: up to <c>burst</c> tokens, refilled at <c>perSecond</c>. Not thread-safe.</summary>
public sealed class TokenBucket
{
    private readonly double _tokensPerTick;
    private readonly double _burst;
    private double _tokens;
    private long _last;

    public TokenBucket(double perSecond, int burst, long now)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        _tokensPerTick = perSecond / System.Diagnostics.Stopwatch.Frequency;
        _burst = burst;
        _tokens = burst;
        _last = now;
    }

    /// <summary>Takes one token if there is one at <paramref name="now"/> (Stopwatch ticks).</summary>
    public bool TryTake(long now)
    {
        if (now > _last)
        {
            _tokens = Math.Min(_burst, _tokens + (now - _last) * _tokensPerTick);
            _last = now;
        }
        if (_tokens < 1)
            return false;
        _tokens -= 1;
        return true;
    }
}
