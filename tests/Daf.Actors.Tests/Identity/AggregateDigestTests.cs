// SPDX-License-Identifier: Apache-2.0
using System.Security.Cryptography;
using Daf.Actors.Identity;
using Daf.Actors.Rules;

namespace Daf.Actors.Tests.Identity;

public sealed class AggregateDigestTests
{
    private static Sha256Digest Digest(string text) => Sha256Digest.FromBytes(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));

    /// <summary>The definition written out independently: distinct hex strings sorted ordinally (= byte order), bytes concatenated.</summary>
    internal static Sha256Digest Reference(IEnumerable<Sha256Digest> digests)
    {
        byte[] concatenated = digests.Select(d => d.ToString()).Distinct().Order(StringComparer.Ordinal)
            .SelectMany(Convert.FromHexString).ToArray();
        return Sha256Digest.FromBytes(SHA256.HashData(concatenated));
    }

    [Fact]
    public void Aggregate_ignores_order_and_duplicates()
    {
        Sha256Digest a = Digest("a"), b = Digest("b"), c = Digest("c");
        Sha256Digest aggregate = AggregateDigest.Compute([a, b, c]);
        Assert.Equal(aggregate, AggregateDigest.Compute([c, a, b, a, c]));
        Assert.Equal(Reference([a, b, c]), aggregate);
        Assert.NotEqual(aggregate, AggregateDigest.Compute([a, b]));
    }

    [Fact]
    public void Byte_order_compares_the_first_differing_byte_as_unsigned()
    {
        var random = new Random(7);
        var digests = new List<Sha256Digest>();
        for (int i = 0; i < 200; i++)
        {
            byte[] bytes = new byte[32];
            random.NextBytes(bytes);
            if (i % 3 == 0)
                bytes.AsSpan(0, 24).Fill(0xff); // ties in the first words: later words decide
            digests.Add(Sha256Digest.FromBytes(bytes));
        }
        Sha256Digest[] sorted = AggregateDigest.SortDistinct(digests);
        string[] hex = sorted.Select(d => d.ToString()).ToArray();
        Assert.Equal(hex.Order(StringComparer.Ordinal), hex);
        Assert.Equal(Reference(digests), AggregateDigest.Compute(digests));
    }

    [Fact]
    public void Empty_set_is_the_digest_of_nothing() =>
        Assert.Equal(Sha256Digest.FromBytes(SHA256.HashData([])), AggregateDigest.Compute([]));
}
