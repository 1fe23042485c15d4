// SPDX-License-Identifier: Apache-2.0
using System.Runtime.Intrinsics.X86;
using Tmds.Linux;

namespace Daf.Interop.Time;

/// <summary>
/// RDTSC for managed code. .NET has no RDTSC intrinsic, and Stopwatch goes through clock_gettime (vDSO,
/// ~20 ns with its own scaling), so we map ten bytes of machine code once: mmap RW, copy, mprotect RX (never
/// writable and executable at the same time) and call them through an unmanaged function pointer with
/// SuppressGCTransition, which is safe because the thunk neither blocks nor calls back and costs a few ns.
/// This avoids shipping a native library just for one instruction.
/// </summary>
internal static unsafe class RdtscThunk
{
    private const int PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;

    // rdtsc; shl rdx, 32; or rax, rdx; ret
    private static ReadOnlySpan<byte> Code => [0x0F, 0x31, 0x48, 0xC1, 0xE2, 0x20, 0x48, 0x09, 0xD0, 0xC3];

    private static readonly Lock s_lock = new();
    private static nint s_thunk;

    /// <summary>True when CPUID reports an invariant TSC (leaf 0x80000007, EDX bit 8).</summary>
    public static bool HasInvariantTsc()
    {
        if (!X86Base.X64.IsSupported)
            return false;
        (int maxExtendedLeaf, _, _, _) = X86Base.CpuId(unchecked((int)0x80000000), 0);
        if ((uint)maxExtendedLeaf < 0x80000007u)
            return false;
        (_, _, _, int edx) = X86Base.CpuId(unchecked((int)0x80000007), 0);
        return (edx & (1 << 8)) != 0;
    }

    /// <summary>
    /// Maps the thunk once per process (the page is never unmapped: clocks may live until exit).
    /// Returns null and says why when the mapping is refused (e.g. a policy forbidding executable memory).
    /// </summary>
    public static delegate* unmanaged[SuppressGCTransition]<ulong> TryGet(out string? failure)
    {
        failure = null;
        lock (s_lock)
        {
            if (s_thunk == 0)
                s_thunk = Map(out failure);
            return (delegate* unmanaged[SuppressGCTransition]<ulong>)s_thunk;
        }
    }

    private static nint Map(out string? failure)
    {
        const int length = 4096;
        void* page = LibC.mmap(null, length, PROT_READ | PROT_WRITE, LibC.MAP_PRIVATE | LibC.MAP_ANONYMOUS, -1, 0);
        if (page == LibC.MAP_FAILED)
        {
            failure = $"mmap failed: errno {LibC.errno} ({Errno.Name(LibC.errno)})";
            return 0;
        }
        Code.CopyTo(new Span<byte>(page, length));
        if (LibC.mprotect(page, length, PROT_READ | PROT_EXEC) != 0)
        {
            int errno = LibC.errno;
            LibC.munmap(page, length);
            failure = $"mprotect(PROT_EXEC) failed: errno {errno} ({Errno.Name(errno)})";
            return 0;
        }
        failure = null;
        return (nint)page;
    }
}
