// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;

namespace Daf.Actors.Identity;

/// <summary>
/// The identity of a process at one moment (immutable): the objects it maps (executable file-backed ones by
/// default), the distinct digests among them in byte order, their <see cref="AggregateDigest"/>, and whether
/// some of its code cannot be verified.
/// </summary>
public sealed class ProcessImage
{
    private readonly Sha256Digest[] _digests;

    /// <param name="malformedMapsLines">/proc/PID/maps lines that could not be parsed.</param>
    /// <param name="mapsTruncated">/proc/PID/maps had more lines than were read.</param>
    /// <param name="isKernelThread">A kernel thread: it runs only kernel code and maps nothing.</param>
    public ProcessImage(int pid, IReadOnlyList<MappedObject> objects, int malformedMapsLines = 0, bool mapsTruncated = false,
        bool isKernelThread = false)
    {
        ArgumentNullException.ThrowIfNull(objects);
        Pid = pid;
        Objects = objects;
        MalformedMapsLines = malformedMapsLines;
        MapsTruncated = mapsTruncated;
        IsKernelThread = isKernelThread;
        _digests = AggregateDigest.SortDistinct(objects.Where(o => o.Digest.HasValue).Select(o => o.Digest!.Value));
        Aggregate = AggregateDigest.OfSortedDistinct(_digests);
        // A line we could not read or a mapping we never saw may hide code: neither can be vouched for.
        Unverifiable = malformedMapsLines > 0 || mapsTruncated || objects.Any(o => o.Executable && !o.Verified);
    }

    public int Pid { get; }

    /// <summary>
    /// The process's generation counter read before its maps were (<see cref="ProcessGenerations"/>): the image is
    /// stale once the counter moved past it. 0 without the eBPF probe.
    /// </summary>
    public ulong Generation { get; init; }
    public IReadOnlyList<MappedObject> Objects { get; }

    /// <summary>The distinct digests of the objects, sorted by byte value.</summary>
    public IReadOnlyList<Sha256Digest> Digests => _digests;

    public Sha256Digest Aggregate { get; }

    /// <summary>Some executable mapping could not be hashed (memfd, anonymous code, unreadable or changing file), or the maps were not read whole.</summary>
    public bool Unverifiable { get; }

    public int MalformedMapsLines { get; }
    public bool MapsTruncated { get; }
    public bool IsKernelThread { get; }

    /// <summary>
    /// Per chain: which rules of one compiled chain this image's digests name (<see cref="Rules.ChainIndex"/> fills it
    /// the first time a packet of this image meets that chain, so later packets pay one reference comparison).
    /// Slots 0-2: the daemon namespace's chains; 3-5: those of other namespaces (a process's sockets are in one).
    /// </summary>
    internal readonly object?[] RuleMatchMemo = new object?[6];

    /// <summary>Some object has this digest (binary search over <see cref="Digests"/>).</summary>
    public bool Maps(Sha256Digest digest) => Array.BinarySearch(_digests, digest, AggregateDigest.ByteOrder) >= 0;
}
