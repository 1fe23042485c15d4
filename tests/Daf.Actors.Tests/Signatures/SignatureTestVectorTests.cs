// SPDX-License-Identifier: Apache-2.0
using System.Globalization;
using System.Text.RegularExpressions;
using Daf.Actors.Signatures;
using Daf.Interop.Signatures;

namespace Daf.Actors.Tests.Signatures;

/// <summary>
/// The test vectors of docs/signatures.md (made by scripts/signature-vectors.py, an implementation written from
/// the spec alone): the codec must produce the same tag and signed packet, and accept it.
/// </summary>
public sealed partial class SignatureTestVectorTests
{
    private sealed record Vector(string Title, byte[] Key, byte KeyId, uint SignerId, ulong Counter, SignatureLocation Location,
        byte[] AppDigest, byte[] Input, byte[] Tag, byte[] Output);

    public static TheoryData<string> Titles() => new(ReadVectors().Select(v => v.Title));

    [Fact]
    public void The_spec_has_vectors_for_every_carrier_and_mode()
    {
        List<Vector> vectors = ReadVectors();
        Assert.True(vectors.Count >= 8, $"{vectors.Count} vectors");
        var carriers = new HashSet<(SignatureCarrier, bool)>();
        foreach (Vector v in vectors)
        {
            Assert.Equal(SignedPacketStatus.Ok, SignedPacketParser.Parse(v.Output, out SignedPacketLayout layout));
            carriers.Add((layout.Carrier, v.AppDigest.Length > 0));
        }
        Assert.Contains((SignatureCarrier.Ipv4Option, false), carriers);
        Assert.Contains((SignatureCarrier.Ipv4Option, true), carriers);
        Assert.Contains((SignatureCarrier.Ipv6DestinationOptions, false), carriers);
        Assert.Contains((SignatureCarrier.Ipv6DestinationOptions, true), carriers);
        Assert.Contains((SignatureCarrier.TcpOption, false), carriers);
        Assert.Contains((SignatureCarrier.TcpOption, true), carriers);
    }

    [Theory]
    [MemberData(nameof(Titles))]
    public void Signer_reproduces_the_vector_and_verifier_accepts_it(string title)
    {
        Vector v = ReadVectors().Single(x => x.Title == title);
        var keys = SigningKeys.FromBytes(v.Key);
        using var signer = new PacketSigner(keys, v.SignerId, v.Counter);
        using var verifier = new PacketVerifier(keys);
        var output = new byte[v.Input.Length + PacketSigner.MaxGrowth];

        Assert.Equal(v.KeyId, keys.Primary.Id);
        Assert.Equal(SignOutcome.Signed, signer.TrySign(v.Input, output, v.Location, v.AppDigest, out int written));
        Assert.Equal(Convert.ToHexString(v.Output), Convert.ToHexString(output, 0, written));
        Assert.Equal(SignedPacketStatus.Ok, SignedPacketParser.Parse(v.Output, out SignedPacketLayout layout));
        Assert.Equal(Convert.ToHexString(v.Tag), Convert.ToHexString(v.Output.AsSpan(layout.TagBodyOffset, layout.TagBodyLength)));
        Assert.True(SignatureTestPackets.ChecksumsValid(v.Output));

        Assert.Equal(VerifyOutcome.Valid, verifier.Verify(v.Output, out AppAttestation app, out uint signerId, out ulong counter));
        Assert.Equal(v.SignerId, signerId);
        Assert.Equal(v.Counter, counter);
        Assert.Equal(v.AppDigest.Length > 0, app.IsPresent);
        if (app.IsPresent)
            Assert.True(app.Matches(v.AppDigest));
    }

    private static List<Vector> ReadVectors()
    {
        string text = File.ReadAllText(FindSpec());
        var vectors = new List<Vector>();
        foreach (Match block in VectorBlock().Matches(text))
        {
            string Field(string name)
            {
                Match m = Regex.Match(block.Value, "^- " + Regex.Escape(name) + ": `([^`]*)`", RegexOptions.Multiline);
                Assert.True(m.Success, $"{block.Groups[1].Value}: no '{name}'");
                return m.Groups[1].Value;
            }
            string app = Field("app digest");
            vectors.Add(new Vector(
                block.Groups[1].Value.Trim(),
                Convert.FromHexString(Field("key")),
                byte.Parse(Field("key id"), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                uint.Parse(Field("signer id"), CultureInfo.InvariantCulture),
                ulong.Parse(Field("counter"), CultureInfo.InvariantCulture),
                Field("location") == "l4" ? SignatureLocation.L4 : SignatureLocation.L3,
                app == "none" ? [] : Convert.FromHexString(app),
                Convert.FromHexString(Field("input")),
                Convert.FromHexString(Field("tag")),
                Convert.FromHexString(Field("output"))));
        }
        return vectors;
    }

    private static string FindSpec()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "docs", "signatures.md");
            if (File.Exists(candidate))
                return candidate;
        }
        throw new FileNotFoundException("docs/signatures.md not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^### Vector \d+: ([^\n]*)$(?:(?!^### ).)*", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex VectorBlock();
}
