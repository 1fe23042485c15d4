// SPDX-License-Identifier: Apache-2.0
using System.Security.Cryptography;
using Daf.Actors.Rules;

namespace Daf.Actors.Identity;

/// <summary>
/// The aggregate digest of a set of objects: SHA-256 over their DISTINCT single-object digests, sorted by
/// byte value and concatenated (32 bytes each). It depends only on the objects' contents, not on their paths
/// or mapping order, so a program has the same aggregate on the host and in a container. This differs on
/// purpose from the original DAF, which hashed the digests in path order.
/// </summary>
public static class AggregateDigest
{
    public static Sha256Digest Compute(IEnumerable<Sha256Digest> digests)
    {
        // Sha256Digest holds big-endian words, so ordering by the words in turn is ordering by byte value.
        Sha256Digest[] sorted = digests.Distinct()
            .Order(Comparer<Sha256Digest>.Create(static (a, b) =>
                a.Word0 != b.Word0 ? a.Word0.CompareTo(b.Word0)
                : a.Word1 != b.Word1 ? a.Word1.CompareTo(b.Word1)
                : a.Word2 != b.Word2 ? a.Word2.CompareTo(b.Word2)
                : a.Word3.CompareTo(b.Word3)))
            .ToArray();
        byte[] concatenated = new byte[sorted.Length * Sha256Digest.Size];
        for (int i = 0; i < sorted.Length; i++)
            sorted[i].WriteTo(concatenated.AsSpan(i * Sha256Digest.Size));
        return Sha256Digest.FromBytes(SHA256.HashData(concatenated));
    }
}
