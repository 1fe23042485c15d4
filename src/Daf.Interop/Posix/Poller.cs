// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Posix;

/// <summary>ppoll(2) for readability on a few descriptors. STUB: replaced by the NFQUEUE work.</summary>
public static class Poller
{
    /// <summary>
    /// Blocks until one of <paramref name="fds"/> is readable or the timeout passes (negative: no timeout).
    /// Sets <paramref name="readable"/>[i] for each readable descriptor; returns how many are readable
    /// (0 on timeout). EINTR returns 0. Allocates nothing.
    /// </summary>
    public static int Wait(ReadOnlySpan<int> fds, Span<bool> readable, long timeoutNanoseconds) => throw new NotImplementedException();
}
