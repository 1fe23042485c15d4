// SPDX-License-Identifier: Apache-2.0
using System.Runtime.CompilerServices;

namespace Daf.Tests.Shared;

/// <summary>Measures the managed allocations of code that must not allocate.</summary>
internal static class Allocations
{
    /// <summary>
    /// Bytes the calling thread allocated over <paramref name="calls"/> calls of <paramref name="body"/>,
    /// measured after the same number of warm-up calls and a pause for tiered compilation. The loops run
    /// in a method compiled fully optimized at once, so on-stack replacement cannot allocate inside the
    /// measured loop (it does in Release, 24 bytes once, which is not the code under test).
    /// Any allocation per call costs at least 24 bytes x <paramref name="calls"/>; callers allow a few
    /// stray runtime bytes with <see cref="StrayBytes"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static long Measure(Action body, int calls = 10_000)
    {
        for (int i = 0; i < calls; i++)
            body();
        Thread.Sleep(250);
        for (int i = 0; i < calls; i++)
            body();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++)
            body();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>What the runtime may allocate once on a thread, unrelated to the code measured.</summary>
    public const long StrayBytes = 100;
}
