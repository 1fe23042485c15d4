// SPDX-License-Identifier: Apache-2.0
using System.Runtime.CompilerServices;
using Daf.Actors.Tracking;
using Daf.Interop.Bpf;

namespace Daf.Actors.Identity;

/// <summary>
/// The eBPF probe's per-process generation counters (the mmapped `generations` map, docs/tracking.md): the probe
/// moves a process's counter in its own context, before exec or an executable mmap/mprotect/munmap returns. A scanner
/// reads the counter before it reads /proc/PID/maps and stamps the image with it (<see cref="ProcessImage.Generation"/>);
/// the packet path compares the stamp with the counter now (<see cref="IsCurrent"/>: one volatile load, no syscall)
/// and defers a packet whose holder's image is older than its last change, instead of judging it with an image the
/// events have not caught up with yet. Without the probe every counter reads 0 and every image is current.
/// </summary>
/// <remarks>
/// Counter layout (bpf/syscall_probe.bpf.c), four 16-bit fields: bits 0-15 unmappings of executable memory, 16-31
/// file code mapped, 32-47 execs (and forks of a new thread group under the pid), 48-63 anonymous or in-memory
/// (memfd) code mapped. What makes an image stale depends on how images are kept: <c>-R</c> (one read per exec) only
/// an exec; <c>-r</c> (unmapped objects stay) not an unmapping. Anonymous code only ever makes a process
/// unverifiable, so it does not make an image stale that is unverifiable already: a JIT compiler mapping code all
/// the time does not make every packet of its process wait.
/// </remarks>
public sealed class ProcessGenerations
{
    public const ulong UnmappedBits = 0xFFFF, FileCodeBits = 0xFFFF_0000, ExecBits = 0xFFFF_0000_0000, AnonymousCodeBits = 0xFFFF_0000_0000_0000;

    private readonly BpfCounterArray? _counters;

    /// <summary>No probe: every counter is 0, every image current.</summary>
    public static ProcessGenerations None { get; } = new(null, TrackingOptions.Default);

    public ProcessGenerations(BpfCounterArray? counters, TrackingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _counters = counters;
        StalenessMask = options.ReadMapsOnce ? ExecBits
            : options.KeepUnmapped ? ExecBits | FileCodeBits | AnonymousCodeBits
            : ulong.MaxValue;
        _unverifiableMask = StalenessMask & ~AnonymousCodeBits;
        GraceNanoseconds = (ulong)options.GraceDelay.Ticks * 100;
    }

    private readonly ulong _unverifiableMask;

    /// <summary>The bits of a counter whose change makes a verifiable image stale.</summary>
    public ulong StalenessMask { get; }

    /// <summary>Whether counters are read from the probe (false: all read 0).</summary>
    public bool Tracking => _counters is not null;

    /// <summary>
    /// The probe keeps a counter for <paramref name="tgid"/>: a change to the process's code moves it before the event
    /// announcing the change is emitted, so an image that <see cref="IsCurrent"/> still shows it.
    /// </summary>
    public bool Covers(int tgid) => _counters is { } counters && (uint)tgid < (uint)counters.Count;

    /// <summary>The process's counter now (0 without the probe or outside the map).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Current(int tgid) => _counters is { } counters ? counters.Read(tgid) : 0;

    /// <summary>Nothing that changes the image happened to the process since <paramref name="image"/> was read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsCurrent(ProcessImage image) =>
        ((Current(image.Pid) ^ image.Generation) & (image.Unverifiable ? _unverifiableMask : StalenessMask)) == 0;

    /// <summary>
    /// The probe's per-process exit times (the mmapped `exits` map: CLOCK_MONOTONIC ns of the last thread's exit, 0 while
    /// the process lives; cleared when a new process takes the pid). Null: no probe, nobody is known to have exited.
    /// </summary>
    public BpfCounterArray? Exits { get; init; }

    /// <summary>The grace delay <c>-d</c> in nanoseconds.</summary>
    public ulong GraceNanoseconds { get; }

    /// <summary>When the process exited (CLOCK_MONOTONIC ns), 0 while it lives or when not known: one volatile load.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ExitedAt(int tgid) => Exits is { } exits ? exits.Read(tgid) : 0;

    /// <summary>
    /// The probe's per-process fork counts (the mmapped `forks` map: new thread groups the process forked, cleared when a
    /// new process takes the pid). Null: no probe, every count reads 0.
    /// </summary>
    public BpfCounterArray? Forks { get; init; }

    /// <summary>
    /// How many new processes <paramref name="tgid"/> has forked (the low 32 bits, as FORK events carry them; 0 without
    /// the probe): one volatile load. A holder whose count differs from the one its holder set was published with
    /// forked a child the set does not name yet (<see cref="HolderSet.AppliedForks"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint ForksOf(int tgid) => Forks is { } forks ? (uint)forks.Read(tgid) : 0;

    /// <summary>No exec (nor pid reuse) between two stamps: images read at both may be united (<c>-r</c>).</summary>
    public static bool SameExec(ulong earlier, ulong later) => ((earlier ^ later) & ExecBits) == 0;
}
