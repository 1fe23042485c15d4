// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using Daf.Actors.Signatures;
using Daf.Tests.Shared;
using static Daf.Actors.Tests.Signatures.PacketSignerTests;
using static Daf.Actors.Tests.Signatures.SignatureTestPackets;

namespace Daf.Actors.Tests.Signatures;

public sealed class PacketVerifierTests
{
    public static TheoryData<int, byte, SignatureLocation, bool> Shapes()
    {
        var data = new TheoryData<int, byte, SignatureLocation, bool>();
        foreach (bool app in new[] { false, true })
        {
            data.Add(4, Tcp, SignatureLocation.L3, app);
            data.Add(4, Tcp, SignatureLocation.L4, app);
            data.Add(4, Udp, SignatureLocation.L3, app);
            data.Add(4, Icmp, SignatureLocation.L3, app);
            data.Add(6, Tcp, SignatureLocation.L3, app);
            data.Add(6, Tcp, SignatureLocation.L4, app);
            data.Add(6, Udp, SignatureLocation.L3, app);
            data.Add(6, Icmpv6, SignatureLocation.L3, app);
        }
        return data;
    }

    private static (PacketSigner Signer, PacketVerifier Verifier) Pair(ulong firstCounter = 1)
    {
        var keys = SigningKeys.FromBytes(KeyA);
        return (new PacketSigner(keys, 42, firstCounter), new PacketVerifier(keys));
    }

    private static byte[] Packet(int version, byte protocol, int seed, int length = 400) => Build(version, protocol, length, new Random(seed));

    private static int PayloadStart(byte[] signed)
    {
        Assert.True(TryLocateUpperLayer(signed, out int offset, out byte protocol));
        return offset + (protocol == Tcp ? (signed[offset + 12] >> 4) * 4 : 8);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_flipped_payload_bit_is_rejected(int version, byte protocol, SignatureLocation location, bool app)
    {
        (PacketSigner signer, PacketVerifier verifier) = Pair();
        byte[] signed = Sign(signer, Packet(version, protocol, 1), location, app ? AppDigest : null);
        var rng = new Random(version * 1000 + protocol);
        for (int i = 0; i < 20; i++)
        {
            byte[] tampered = (byte[])signed.Clone();
            int at = rng.Next(PayloadStart(signed), signed.Length);
            tampered[at] ^= (byte)(1 << rng.Next(8));
            FillChecksums(tampered); // an attacker fixes the checksums too
            Assert.Equal(VerifyOutcome.BadTag, verifier.Verify(tampered, out _));
        }
        Assert.Equal(VerifyOutcome.Valid, verifier.Verify(signed, out _));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_changed_port_address_id_or_tag_field_is_rejected(int version, byte protocol, SignatureLocation location, bool app)
    {
        (PacketSigner signer, PacketVerifier verifier) = Pair();
        byte[] signed = Sign(signer, Packet(version, protocol, 2), location, app ? AppDigest : null);
        Assert.True(TryLocateUpperLayer(signed, out int l4, out _));
        var offsets = new List<int> { version == 4 ? 15 : 23, version == 4 ? 19 : 39, l4 + 1 }; // source, destination, port / ICMP code
        if (version == 4)
            offsets.Add(5); // identification
        if (protocol == Tcp)
            offsets.AddRange([l4 + 4, l4 + 13, l4 + 14, l4 + 19]); // sequence, flags, window, urgent pointer
        int tag = TagBodyOffset(signed);
        offsets.AddRange([tag + 1, tag + 2, tag + 6, tag + 13]); // key id, signer id, counter
        if (app)
            offsets.Add(tag + 14);
        foreach (int offset in offsets)
        {
            byte[] tampered = (byte[])signed.Clone();
            tampered[offset] ^= 0x01;
            FillChecksums(tampered);
            VerifyOutcome outcome = verifier.Verify(tampered, out _);
            Assert.True(outcome is VerifyOutcome.BadTag or VerifyOutcome.UnknownKey, $"offset {offset}: {outcome}");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_tag_moved_onto_another_packet_of_the_same_or_another_flow_is_rejected(int version, byte protocol, SignatureLocation location, bool app)
    {
        (PacketSigner signer, PacketVerifier verifier) = Pair();
        byte[] first = Packet(version, protocol, 3);
        byte[] sameFlowNext = (byte[])first.Clone();
        sameFlowNext[^1] ^= 0xFF;                                     // the next packet of the flow: other payload
        FillChecksums(sameFlowNext);
        byte[] otherFlow = Packet(version, protocol, 5);
        byte[] signedFirst = Sign(signer, first, location, app ? AppDigest : null);

        foreach (byte[] victim in new[] { sameFlowNext, otherFlow })
        {
            byte[] signedVictim = Sign(signer, victim, location, app ? AppDigest : null);
            Assert.Equal(signedFirst.Length, signedVictim.Length);
            int tag = TagBodyOffset(signedFirst);
            Assert.Equal(tag, TagBodyOffset(signedVictim));
            signedFirst.AsSpan(tag, app ? 34 : 26).CopyTo(signedVictim.AsSpan(tag));
            FillChecksums(signedVictim);
            Assert.Equal(VerifyOutcome.BadTag, verifier.Verify(signedVictim, out _));
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_replayed_packet_is_rejected(int version, byte protocol, SignatureLocation location, bool app)
    {
        (PacketSigner signer, PacketVerifier verifier) = Pair();
        byte[] signed = Sign(signer, Packet(version, protocol, 6), location, app ? AppDigest : null);

        Assert.Equal(VerifyOutcome.Valid, verifier.Verify(signed, out _));
        Assert.Equal(VerifyOutcome.Replayed, verifier.Verify(signed, out _));
        for (int i = 0; i < 2000; i++) // later, after many newer packets
            Assert.Equal(VerifyOutcome.Valid, verifier.Verify(Sign(signer, Packet(version, protocol, 7, 100), location), out _));
        Assert.Equal(VerifyOutcome.Replayed, verifier.Verify(signed, out _));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_wrong_key_is_rejected(int version, byte protocol, SignatureLocation location, bool app)
    {
        using var signer = new PacketSigner(SigningKeys.FromBytes(KeyB), 42, 1);
        using var verifier = new PacketVerifier(SigningKeys.FromBytes(KeyA));
        using var sameIdVerifier = new PacketVerifier(SigningKeys.FromBytes(KeyWithTheSameIdAs(KeyB)));
        byte[] signed = Sign(signer, Packet(version, protocol, 8), location, app ? AppDigest : null);

        Assert.Equal(VerifyOutcome.UnknownKey, verifier.Verify(signed, out _));
        Assert.Equal(VerifyOutcome.BadTag, sameIdVerifier.Verify(signed, out _));
    }

    [Fact]
    public void Rotation_verifiers_accept_both_keys_and_signers_use_the_first()
    {
        using var oldSigner = new PacketSigner(SigningKeys.FromBytes(KeyA), 1, 1);
        using var newSigner = new PacketSigner(SigningKeys.FromBytes(KeyB, KeyA), 2, 1);
        using var rotating = new PacketVerifier(SigningKeys.FromBytes(KeyA, KeyB));
        using var oldOnly = new PacketVerifier(SigningKeys.FromBytes(KeyA));
        byte[] packet = Packet(4, Udp, 9);

        Assert.Equal(VerifyOutcome.Valid, rotating.Verify(Sign(oldSigner, packet), out _));
        Assert.Equal(VerifyOutcome.Valid, rotating.Verify(Sign(newSigner, packet), out _));
        Assert.Equal(VerifyOutcome.UnknownKey, oldOnly.Verify(Sign(newSigner, packet), out _));
    }

    [Fact]
    public void Fields_that_change_in_transit_do_not_invalidate_the_tag()
    {
        (PacketSigner signer, PacketVerifier verifier) = Pair();
        byte[] v4 = Sign(signer, Packet(4, Tcp, 10));
        v4[1] ^= 0x03;  // ECN
        v4[1] ^= 0xB8;  // DSCP
        v4[8] -= 3;     // TTL
        v4[6] ^= 0x40;  // DF
        FillChecksums(v4);
        byte[] v6 = Sign(signer, Packet(6, Udp, 11));
        v6[0] ^= 0x0F;  // traffic class
        v6[1] ^= 0xFF;  // traffic class, flow label
        v6[7] -= 3;     // hop limit

        Assert.Equal(VerifyOutcome.Valid, verifier.Verify(v4, out _));
        Assert.Equal(VerifyOutcome.Valid, verifier.Verify(v6, out _));
    }

    [Fact]
    public void Unsigned_malformed_and_fragmented_packets_are_told_apart()
    {
        (PacketSigner signer, PacketVerifier verifier) = Pair();
        byte[] plain = Packet(4, Udp, 12);
        byte[] signed = Sign(signer, plain);
        byte[] fragment = (byte[])signed.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(6), 0x0010);
        byte[] futureVersion = (byte[])signed.Clone();
        futureVersion[22] = 0x20;

        Assert.Equal(VerifyOutcome.Unsigned, verifier.Verify(plain, out _));
        Assert.Equal(VerifyOutcome.Malformed, verifier.Verify(signed.AsSpan(0, signed.Length - 1), out _));
        Assert.Equal(VerifyOutcome.Malformed, verifier.Verify([], out _));
        Assert.Equal(VerifyOutcome.Fragment, verifier.Verify(fragment, out _));
        Assert.Equal(VerifyOutcome.UnknownVersion, verifier.Verify(futureVersion, out _));
    }

    [Fact]
    public void Reordering_within_the_window_is_accepted_and_forgeries_do_not_move_it()
    {
        (PacketSigner signer, PacketVerifier verifier) = Pair(firstCounter: 1);
        byte[][] signed = Enumerable.Range(0, 100).Select(i => Sign(signer, Packet(4, Udp, 13, 60 + i))).ToArray();

        foreach (int i in Enumerable.Range(0, 100).Reverse())
            Assert.Equal(VerifyOutcome.Valid, verifier.Verify(signed[i], out _));

        byte[] forged = Sign(signer, Packet(4, Udp, 14));
        BinaryPrimitives.WriteUInt64BigEndian(forged.AsSpan(TagBodyOffset(forged) + 6), 1_000_000); // far ahead
        FillChecksums(forged);
        Assert.Equal(VerifyOutcome.BadTag, verifier.Verify(forged, out _));
        Assert.Equal(VerifyOutcome.Valid, verifier.Verify(Sign(signer, Packet(4, Udp, 15)), out _));
    }

    [Fact]
    public void Windows_are_per_signer_and_the_idlest_signer_is_forgotten_at_capacity()
    {
        var keys = SigningKeys.FromBytes(KeyA);
        using var verifier = new PacketVerifier(keys, replayWindow: 64, maxSigners: 2);
        using var a = new PacketSigner(keys, 1, 1);
        using var b = new PacketSigner(keys, 2, 1);
        using var c = new PacketSigner(keys, 3, 1);
        byte[] packet = Packet(4, Udp, 16);

        Assert.Equal(VerifyOutcome.Valid, verifier.Verify(Sign(a, packet), out _));
        Assert.Equal(VerifyOutcome.Valid, verifier.Verify(Sign(b, packet), out _)); // same counter, other signer
        Assert.Equal(2, verifier.SignerCount);
        Assert.Equal(VerifyOutcome.Valid, verifier.Verify(Sign(c, packet), out _));
        Assert.Equal(2, verifier.SignerCount);
    }

    [Fact]
    public void Signing_and_verifying_allocate_nothing_per_packet()
    {
        (PacketSigner signer, PacketVerifier verifier) = Pair();
        byte[] packet = Packet(4, Tcp, 17, 1500);
        byte[] output = new byte[packet.Length + PacketSigner.MaxGrowth];
        byte[] app = AppDigest;

        long signBytes = Allocations.Measure(() =>
            signer.TrySign(packet, output, SignatureLocation.L4, app, out _));
        signer.TrySign(packet, output, SignatureLocation.L3, app, out int written);
        byte[] signed = output[..written];
        long verifyBytes = Allocations.Measure(() => verifier.Verify(signed, out _));

        Assert.InRange(signBytes, 0, Allocations.StrayBytes);
        Assert.InRange(verifyBytes, 0, Allocations.StrayBytes);
    }

    internal static int TagBodyOffset(byte[] signed)
    {
        Assert.Equal(Daf.Interop.Signatures.SignedPacketStatus.Ok,
            Daf.Interop.Signatures.SignedPacketParser.Parse(signed, out Daf.Interop.Signatures.SignedPacketLayout layout));
        return layout.TagBodyOffset;
    }

    /// <summary>Another 32-byte key whose one-byte id collides with <paramref name="key"/>'s (1 in 256 tries on average).</summary>
    internal static byte[] KeyWithTheSameIdAs(byte[] key)
    {
        byte id = SigningKeys.FromBytes(key).Primary.Id;
        var candidate = new byte[32];
        for (int i = 0; ; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(candidate, i);
            if (SigningKeys.FromBytes(candidate).Primary.Id == id && !candidate.AsSpan().SequenceEqual(key))
                return candidate;
        }
    }
}
