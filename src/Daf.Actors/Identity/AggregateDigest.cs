// SPDX-License-Identifier: Apache-2.0
using System.Buffers;
using System.Security.Cryptography;
using Daf.Actors.Rules;

namespace Daf.Actors.Identity;

/// <summary>
/// The digest of a set of objects: SHA-256 over the DISTINCT single-object digests, sorted by byte value and
/// concatenated (32 bytes each). It depends neither on paths nor on mapping order, so a program has the same
/// aggregate on the host and in a container. This differs on purpose from the original DAF, which hashed the
/// digests in path order. The empty set's aggregate is SHA-256 of nothing.
/// </summary>
public static class AggregateDigest
{
    /// <summary>Compares digests by byte value (big-endian words compare like their bytes).</summary>
    public static IComparer<Sha256Digest> ByteOrder { get; } = Comparer<Sha256Digest>.Create(Compare);

    public static int Compare(Sha256Digest x, Sha256Digest y)
    {
        int order = x.Word0.CompareTo(y.Word0);
        if (order == 0)
            order = x.Word1.CompareTo(y.Word1);
        if (order == 0)
            order = x.Word2.CompareTo(y.Word2);
        return order != 0 ? order : x.Word3.CompareTo(y.Word3);
    }

    /// <summary>The aggregate of <paramref name="digests"/> (duplicates and order do not matter).</summary>
    public static Sha256Digest Compute(IEnumerable<Sha256Digest> digests) => OfSortedDistinct(SortDistinct(digests));

    /// <summary>The distinct digests in byte order, as the aggregate hashes them.</summary>
    public static Sha256Digest[] SortDistinct(IEnumerable<Sha256Digest> digests)
    {
        ArgumentNullException.ThrowIfNull(digests);
        Sha256Digest[] sorted = digests.Distinct().ToArray();
        Array.Sort(sorted, ByteOrder);
        return sorted;
    }

    /// <summary>The aggregate of digests that are already distinct and in byte order (<see cref="SortDistinct"/>).</summary>
    public static Sha256Digest OfSortedDistinct(ReadOnlySpan<Sha256Digest> sorted)
    {
        int length = sorted.Length * Sha256Digest.Size;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            for (int i = 0; i < sorted.Length; i++)
                sorted[i].WriteTo(buffer.AsSpan(i * Sha256Digest.Size, Sha256Digest.Size));
            Span<byte> hash = stackalloc byte[Sha256Digest.Size];
            SHA256.HashData(buffer.AsSpan(0, length), hash);
            return Sha256Digest.FromBytes(hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
