// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;

namespace Daf.Interop.Time;

/// <summary>Measures the TSC frequency against the monotonic clock over short sleeping windows (no spinning).</summary>
internal static unsafe class TscCalibrator
{
    public const int WindowMilliseconds = 10;

    // Two windows agreeing within 0.1% are trusted; otherwise a third breaks the tie (≤ ~35 ms in all).
    private const ulong AgreementPartsPerMillion = 1000;
    private const int SampleTries = 5;

    public static ulong Calibrate(delegate* unmanaged[SuppressGCTransition]<ulong> rdtsc)
    {
        ulong first = MeasureWindow(rdtsc);
        ulong second = MeasureWindow(rdtsc);
        if (Agree(first, second))
            return first / 2 + second / 2;
        ulong third = MeasureWindow(rdtsc);
        return Median(first, second, third);
    }

    private static ulong MeasureWindow(delegate* unmanaged[SuppressGCTransition]<ulong> rdtsc)
    {
        (ulong tsc0, long monotonic0) = Sample(rdtsc);
        Thread.Sleep(WindowMilliseconds);
        (ulong tsc1, long monotonic1) = Sample(rdtsc);
        return (ulong)TickMath.Scale(tsc1 - tsc0, (ulong)Stopwatch.Frequency, (ulong)(monotonic1 - monotonic0));
    }

    // A monotonic reading bracketed by two TSC reads; the tightest bracket of a few tries bounds the pairing error
    // (a preemption between the reads would otherwise skew a 10 ms window).
    private static (ulong Tsc, long Monotonic) Sample(delegate* unmanaged[SuppressGCTransition]<ulong> rdtsc)
    {
        ulong bestSpan = ulong.MaxValue, bestTsc = 0;
        long bestMonotonic = 0;
        for (int i = 0; i < SampleTries; i++)
        {
            ulong before = rdtsc();
            long monotonic = Stopwatch.GetTimestamp();
            ulong after = rdtsc();
            if (after - before < bestSpan)
            {
                bestSpan = after - before;
                bestTsc = before + bestSpan / 2;
                bestMonotonic = monotonic;
            }
        }
        return (bestTsc, bestMonotonic);
    }

    private static bool Agree(ulong a, ulong b)
    {
        ulong difference = a > b ? a - b : b - a;
        return difference <= (ulong)TickMath.Scale(Math.Max(a, b), AgreementPartsPerMillion, 1_000_000);
    }

    private static ulong Median(ulong a, ulong b, ulong c) => Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
}
