// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using Daf.Actors.Signatures;
using Daf.Interop.Signatures;
using static Daf.Actors.Tests.Signatures.PacketSignerTests;
using static Daf.Actors.Tests.Signatures.SignatureTestPackets;

namespace Daf.Actors.Tests.Signatures;

/// <summary>Random packets of sizes 1..65,535 (every size up to 300, the edges of 65,535, a random sample between).</summary>
public sealed class SignatureRoundTripPropertyTests
{
    private static readonly byte[][] TcpOptionSets =
    [
        [],
        [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2],                                      // timestamps: L4 still fits
        [2, 4, 5, 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7],            // SYN options: L4 falls back
    ];

    public static IEnumerable<int> Sizes()
    {
        for (int size = 1; size <= 300; size++)
            yield return size;
        for (int size = 65_535 - 80; size <= 65_535; size++)
            yield return size;
        var rng = new Random(2026);
        for (int i = 0; i < 400; i++)
            yield return rng.Next(301, 65_535 - 80);
    }

    [Fact]
    public void Every_sampled_size_round_trips_or_is_refused_for_the_right_reason()
    {
        var keys = SigningKeys.FromBytes(KeyA);
        using var signer = new PacketSigner(keys, 77, 1);
        using var verifier = new PacketVerifier(keys);
        var rng = new Random(1);
        var output = new byte[65_535 + 40 + PacketSigner.MaxGrowth];
        int signed = 0, refused = 0;
        foreach (int size in Sizes())
        {
            int version = rng.Next(2) == 0 ? 4 : 6;
            byte protocol = rng.Next(5) switch { 0 or 1 => Tcp, 2 => Udp, 3 => version == 4 ? Icmp : Icmpv6, _ => Gre };
            bool app = rng.Next(2) == 0;
            SignatureLocation location = rng.Next(2) == 0 ? SignatureLocation.L3 : SignatureLocation.L4;
            byte[] tcpOptions = TcpOptionSets[rng.Next(TcpOptionSets.Length)];
            // IPv6 sizes are payload sizes, so that 65,535 means the largest IPv6 packet too.
            int total = version == 6 && size > 300 ? size + 40 : size;
            byte[] packet = Build(version, protocol, total, rng, tcpOptions, tcpFlags: (byte)rng.Next(256));
            string what = $"IPv{version} proto {protocol} {total} bytes {location} app={app}";

            SignOutcome outcome = signer.TrySign(packet, output, location, app ? AppDigest : [], out int written, out SignatureLocation placed);

            (SignOutcome expected, int growth, SignatureLocation expectedPlace) = Expect(packet, version, protocol, location, app);
            Assert.True(expected == outcome, $"{what}: {outcome}, expected {expected}");
            if (outcome != SignOutcome.Signed)
            {
                Assert.Equal(0, written);
                refused++;
                continue;
            }
            signed++;
            byte[] result = output[..written];
            Assert.True(written == packet.Length + growth, $"{what}: grew {written - packet.Length}, expected {growth}");
            Assert.True(expectedPlace == placed, $"{what}: placed at {placed}");
            Assert.True(ChecksumsValid(result), $"{what}: checksums");
            Assert.True(ContentPreserved(packet, result, growth, placed), $"{what}: content changed");
            Assert.Equal(VerifyOutcome.Valid, verifier.Verify(result, out AppAttestation attested));
            Assert.Equal(app, attested.IsPresent);
            Assert.Equal(VerifyOutcome.Replayed, verifier.Verify(result, out _));
        }
        Assert.True(signed > 650, $"{signed} signed");
        Assert.True(refused > 20, $"{refused} refused");
    }

    private static (SignOutcome Outcome, int Growth, SignatureLocation Place) Expect(byte[] packet, int version, byte protocol,
        SignatureLocation location, bool app)
    {
        int ipHeader = version == 4 ? 20 : 40;
        if (packet.Length < ipHeader)
            return (SignOutcome.Malformed, 0, default);
        int l4Length = packet.Length - ipHeader;
        int tcpHeader = protocol == Tcp && l4Length >= 20 ? (packet[ipHeader + 12] >> 4) * 4 : 0;
        int body = app ? 34 : 26;
        if (location == SignatureLocation.L4 && tcpHeader > 0 && tcpHeader + 2 + body <= 60
            && packet.Length - (version == 6 ? 40 : 0) + 2 + body <= 65_535)
            return (SignOutcome.Signed, 2 + body, SignatureLocation.L4);
        int growth = version == 4 ? 2 + body : (4 + body + 7) / 8 * 8;
        if (packet.Length - (version == 6 ? 40 : 0) + growth > 65_535)
            return (SignOutcome.NoRoom, 0, default);
        return (SignOutcome.Signed, growth, SignatureLocation.L3);
    }

    /// <summary>The signed packet is the original with the tag inserted: only lengths, the next-header chain and checksums differ.</summary>
    private static bool ContentPreserved(byte[] original, byte[] signed, int growth, SignatureLocation placed)
    {
        int version = original[0] >> 4;
        int at = placed == SignatureLocation.L4 ? (version == 4 ? 40 : 60) : (version == 4 ? 20 : 40);
        byte[] rebuilt = [.. signed.AsSpan(0, at), .. signed.AsSpan(at + growth)];
        if (version == 4)
        {
            rebuilt[0] = original[0];
            BinaryPrimitives.WriteUInt16BigEndian(rebuilt.AsSpan(2), (ushort)original.Length);
        }
        else
        {
            rebuilt[6] = original[6];
            BinaryPrimitives.WriteUInt16BigEndian(rebuilt.AsSpan(4), (ushort)(original.Length - 40));
        }
        if (placed == SignatureLocation.L4)
            rebuilt[at - 20 + 12] = original[at - 20 + 12];
        FillChecksums(rebuilt);
        byte[] expected = (byte[])original.Clone();
        FillChecksums(expected);
        return rebuilt.AsSpan().SequenceEqual(expected);
    }

    [Fact]
    public void Garbage_and_mutations_of_a_spent_packet_never_throw_and_are_never_valid()
    {
        var keys = SigningKeys.FromBytes(KeyA);
        using var signer = new PacketSigner(keys, 1, 1);
        using var verifier = new PacketVerifier(keys);
        var rng = new Random(3);
        var output = new byte[2000];
        byte[] template = Sign(signer, Build(4, Tcp, 200, rng), SignatureLocation.L4);
        Assert.Equal(VerifyOutcome.Valid, verifier.Verify(template, out _)); // from now on its counter is spent
        for (int i = 0; i < 20_000; i++)
        {
            byte[] bytes = i % 2 == 0 ? new byte[rng.Next(0, 300)] : (byte[])template.Clone();
            if (i % 2 == 0)
                rng.NextBytes(bytes);
            else
                for (int flips = rng.Next(1, 4); flips > 0; flips--)
                    bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
            signer.TrySign(bytes, output, SignatureLocation.L4, [], out _);
            Assert.NotEqual(VerifyOutcome.Valid, verifier.Verify(bytes, out _));
        }
    }
}
