// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using Daf.Actors.Signatures;
using Daf.Interop.Signatures;
using static Daf.Actors.Tests.Signatures.SignatureTestPackets;

namespace Daf.Actors.Tests.Signatures;

public sealed class PacketSignerTests
{
    internal static readonly byte[] KeyA = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
    internal static readonly byte[] KeyB = Enumerable.Range(100, 40).Select(i => (byte)i).ToArray();
    internal static readonly byte[] AppDigest = Enumerable.Range(0xA0, 32).Select(i => (byte)i).ToArray();

    internal static byte[] Sign(PacketSigner signer, byte[] packet, SignatureLocation location = SignatureLocation.L3, byte[]? app = null)
    {
        var output = new byte[packet.Length + PacketSigner.MaxGrowth];
        SignOutcome outcome = signer.TrySign(packet, output, location, app ?? [], out int written);
        Assert.Equal(SignOutcome.Signed, outcome);
        return output[..written];
    }

    [Theory]
    [InlineData(4, Tcp, 28)]
    [InlineData(4, Udp, 28)]
    [InlineData(4, Icmp, 28)]
    [InlineData(6, Tcp, 32)]
    [InlineData(6, Udp, 32)]
    [InlineData(6, Icmpv6, 32)]
    public void L3_tag_grows_the_packet_by_its_carrier_size_and_verifies(int version, byte protocol, int growth)
    {
        var keys = SigningKeys.FromBytes(KeyA);
        using var signer = new PacketSigner(keys, 7, firstCounter: 100);
        using var verifier = new PacketVerifier(keys);
        byte[] packet = Build(version, protocol, 300, new Random(1));

        byte[] signed = Sign(signer, packet);

        Assert.Equal(packet.Length + growth, signed.Length);
        Assert.True(ChecksumsValid(signed));
        Assert.Equal(VerifyOutcome.Valid, verifier.Verify(signed, out AppAttestation app, out uint signerId, out ulong counter));
        Assert.False(app.IsPresent);
        Assert.Equal(7u, signerId);
        Assert.Equal(100ul, counter);
    }

    [Fact]
    public void Ipv4_option_goes_first_and_the_rest_of_the_packet_is_unchanged()
    {
        byte[] packet = Build(4, Udp, 120, new Random(2), ipv4Options: [0x94, 0x04, 0x00, 0x00]); // router alert
        using var signer = new PacketSigner(SigningKeys.FromBytes(KeyA), 1, 1);

        byte[] signed = Sign(signer, packet);

        Assert.Equal(0x40 | ((24 + 28) / 4), signed[0]);
        Assert.Equal(signed.Length, BinaryPrimitives.ReadUInt16BigEndian(signed.AsSpan(2)));
        Assert.Equal(SignatureWire.IPOPT_DAF_SIG, signed[20]);
        Assert.Equal(28, signed[21]);
        Assert.Equal(0x10, signed[22]); // version 1, mode packet
        Assert.Equal(packet.AsSpan(20), signed.AsSpan(48)); // the router alert option and the UDP datagram, untouched
        Assert.Equal(packet.AsSpan(4, 6), signed.AsSpan(4, 6));
        Assert.Equal(packet.AsSpan(12, 8), signed.AsSpan(12, 8));
        Assert.True(ChecksumsValid(signed));
    }

    [Fact]
    public void Ipv6_destination_options_header_is_chained_before_the_upper_layer()
    {
        byte[] packet = Build(6, Tcp, 100, new Random(3));
        using var signer = new PacketSigner(SigningKeys.FromBytes(KeyA), 1, 1);

        byte[] signed = Sign(signer, packet, SignatureLocation.L3, AppDigest);

        Assert.Equal(60, signed[6]);                    // next header: destination options
        Assert.Equal(Tcp, signed[40]);                  // its next header: TCP
        Assert.Equal(4, signed[41]);                    // (4 + 1) x 8 = 40 bytes
        Assert.Equal(SignatureWire.IPV6_TLV_DAF_SIG, signed[42]);
        Assert.Equal(34, signed[43]);
        Assert.Equal(new byte[] { 1, 0 }, signed.AsSpan(78, 2).ToArray()); // PadN
        Assert.Equal(signed.Length - 40, BinaryPrimitives.ReadUInt16BigEndian(signed.AsSpan(4)));
        Assert.Equal(packet.AsSpan(40), signed.AsSpan(80));
        Assert.True(ChecksumsValid(signed));
    }

    [Fact]
    public void L4_tag_is_a_tcp_option_with_the_tcp_checksum_fixed()
    {
        byte[] timestamps = [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2];
        byte[] packet = Build(4, Tcp, 200, new Random(4), tcpOptions: timestamps);
        var keys = SigningKeys.FromBytes(KeyA);
        using var signer = new PacketSigner(keys, 1, 1);
        using var verifier = new PacketVerifier(keys);
        var output = new byte[packet.Length + PacketSigner.MaxGrowth];

        Assert.Equal(SignOutcome.Signed, signer.TrySign(packet, output, SignatureLocation.L4, [], out int written, out SignatureLocation placed));
        byte[] signed = output[..written];

        Assert.Equal(SignatureLocation.L4, placed);
        Assert.Equal(packet.Length + 28, signed.Length);
        Assert.Equal(0x45, signed[0]);
        Assert.Equal((20 + 28 + 12) / 4, signed[20 + 12] >> 4);
        Assert.Equal(SignatureWire.TCPOPT_DAF_SIG, signed[40]);
        Assert.Equal(timestamps, signed.AsSpan(68, 12).ToArray());
        Assert.True(ChecksumsValid(signed));
        Assert.Equal(VerifyOutcome.Valid, verifier.Verify(signed, out _));
    }

    [Fact]
    public void L4_falls_back_to_l3_for_a_syn_whose_options_leave_no_room_and_for_udp()
    {
        byte[] synOptions = [2, 4, 5, 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7]; // MSS, SACK-permitted, TS, NOP, WS
        byte[] syn = Build(4, Tcp, 60, new Random(5), tcpOptions: synOptions, tcpFlags: 0x02);
        byte[] udp = Build(6, Udp, 60, new Random(5));
        var keys = SigningKeys.FromBytes(KeyA);
        using var signer = new PacketSigner(keys, 1, 1);
        using var verifier = new PacketVerifier(keys);

        foreach (byte[] packet in new[] { syn, udp })
        {
            var output = new byte[packet.Length + PacketSigner.MaxGrowth];
            Assert.Equal(SignOutcome.Signed, signer.TrySign(packet, output, SignatureLocation.L4, [], out int written, out SignatureLocation placed));
            Assert.Equal(SignatureLocation.L3, placed);
            Assert.Equal(VerifyOutcome.Valid, verifier.Verify(output.AsSpan(0, written), out _));
        }
    }

    [Fact]
    public void App_mode_attests_the_digest_prefix()
    {
        var keys = SigningKeys.FromBytes(KeyA);
        using var signer = new PacketSigner(keys, 1, 1);
        using var verifier = new PacketVerifier(keys);

        byte[] signed = Sign(signer, Build(4, Udp, 64, new Random(6)), SignatureLocation.L3, AppDigest);

        Assert.Equal(VerifyOutcome.Valid, verifier.Verify(signed, out AppAttestation app));
        Assert.True(app.IsPresent);
        Assert.True(app.Matches(AppDigest));
        Assert.True(app.Matches(AppDigest.AsSpan(0, 8)));
        Assert.False(app.Matches(KeyA));
        Assert.Equal("a0a1a2a3a4a5a6a7", app.ToString());
        Assert.True(AppAttestation.TryParseHex(Hex(AppDigest), out AppAttestation parsed));
        Assert.Equal(app, parsed);
    }

    [Fact]
    public void Counter_increases_by_one_per_packet()
    {
        var keys = SigningKeys.FromBytes(KeyA);
        using var signer = new PacketSigner(keys, 9, 1000);
        using var verifier = new PacketVerifier(keys);
        byte[] packet = Build(4, Udp, 50, new Random(7));

        for (ulong expected = 1000; expected < 1010; expected++)
        {
            Assert.Equal(VerifyOutcome.Valid, verifier.Verify(Sign(signer, packet), out _, out _, out ulong counter));
            Assert.Equal(expected, counter);
        }
        Assert.Equal(1009ul, signer.LastCounter);
    }

    [Fact]
    public void Default_counter_starts_at_the_current_time_so_a_restarted_signer_continues_above_its_old_counters()
    {
        var keys = SigningKeys.FromBytes(KeyA);
        ulong before = PacketSigner.CounterNow();
        using var first = new PacketSigner(keys, 5);
        Sign(first, Build(4, Udp, 40, new Random(8)));
        Assert.InRange(first.LastCounter, before, PacketSigner.CounterNow());
        Thread.Sleep(2);
        using var restarted = new PacketSigner(keys, 5);
        Sign(restarted, Build(4, Udp, 40, new Random(8)));
        Assert.True(restarted.LastCounter > first.LastCounter);
    }

    [Fact]
    public void Packets_without_room_are_refused_without_writing()
    {
        var keys = SigningKeys.FromBytes(KeyA);
        using var signer = new PacketSigner(keys, 1, 1);
        byte[] fullOptions = Build(4, Udp, 100, new Random(9), ipv4Options: Enumerable.Repeat((byte)1, 16).ToArray());
        byte[] huge4 = Build(4, Udp, 65_535 - 27, new Random(9));
        byte[] huge6 = Build(6, Udp, 65_535 + 40 - 31, new Random(9));
        var output = new byte[70_000];

        Assert.Equal(SignOutcome.NoRoom, signer.TrySign(fullOptions, output, SignatureLocation.L3, [], out int written));
        Assert.Equal(0, written);
        Assert.Equal(SignOutcome.NoRoom, signer.TrySign(huge4, output, SignatureLocation.L3, [], out _));
        Assert.Equal(SignOutcome.NoRoom, signer.TrySign(huge6, output, SignatureLocation.L4, [], out _));
        Assert.Equal(SignOutcome.Signed, signer.TrySign(Build(4, Udp, 65_535 - 28, new Random(9)), output, SignatureLocation.L3, [], out written));
        Assert.Equal(65_535, written);
    }

    [Fact]
    public void Other_inputs_get_their_own_outcome()
    {
        var keys = SigningKeys.FromBytes(KeyA);
        using var signer = new PacketSigner(keys, 1, 1);
        byte[] packet = Build(4, Udp, 100, new Random(10));
        byte[] fragment = (byte[])packet.Clone();
        fragment[6] = 0x20; // MF
        byte[] signed = Sign(signer, packet);
        var output = new byte[200];

        Assert.Equal(SignOutcome.Malformed, signer.TrySign(packet.AsSpan(0, 99), output, SignatureLocation.L3, [], out _));
        Assert.Equal(SignOutcome.Fragment, signer.TrySign(fragment, output, SignatureLocation.L3, [], out _));
        Assert.Equal(SignOutcome.AlreadySigned, signer.TrySign(signed, output, SignatureLocation.L3, [], out _));
        Assert.Equal(SignOutcome.OutputTooSmall, signer.TrySign(packet, output.AsSpan(0, 110), SignatureLocation.L3, [], out _));
    }

    [Fact]
    public void Mss_clamp_leaves_room_for_the_largest_tag()
    {
        byte[] synOptions = [2, 4, 0x05, 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7];
        byte[] syn4 = Build(4, Tcp, 60, new Random(11), tcpOptions: synOptions, tcpFlags: 0x02);
        byte[] syn6 = Build(6, Tcp, 80, new Random(11), tcpOptions: synOptions, tcpFlags: 0x12);

        Assert.True(PacketSigner.ClampMss(syn4, 1500));
        Assert.True(PacketSigner.ClampMss(syn6, 1500));

        Assert.Equal(1500 - 40 - PacketSigner.MaxGrowth, BinaryPrimitives.ReadUInt16BigEndian(syn4.AsSpan(42)));
        Assert.Equal(1500 - 60 - PacketSigner.MaxGrowth, BinaryPrimitives.ReadUInt16BigEndian(syn6.AsSpan(62)));
        Assert.True(ChecksumsValid(syn4));
        Assert.True(ChecksumsValid(syn6));
        Assert.False(PacketSigner.ClampMss(syn4, 1500)); // already small enough
    }

    [Theory]
    [InlineData(4, SignatureLocation.L3)]
    [InlineData(4, SignatureLocation.L4)]
    [InlineData(6, SignatureLocation.L3)]
    [InlineData(6, SignatureLocation.L4)]
    public void Signing_in_place_gives_the_same_bytes_as_signing_into_another_buffer(int version, SignatureLocation location)
    {
        var keys = SigningKeys.FromBytes(KeyA);
        using var copying = new PacketSigner(keys, 3, 50);
        using var inPlace = new PacketSigner(keys, 3, 50);
        byte[] packet = Build(version, Tcp, 700, new Random(12));
        byte[] expected = Sign(copying, packet, location, AppDigest);
        var buffer = new byte[packet.Length + PacketSigner.MaxGrowth];
        packet.CopyTo(buffer, 0);

        Assert.Equal(SignOutcome.Signed, inPlace.TrySign(buffer.AsSpan(0, packet.Length), buffer, location, AppDigest, out int written));

        Assert.Equal(expected, buffer[..written]);
        packet.CopyTo(buffer, 0);
        Assert.Throws<ArgumentException>(() => inPlace.TrySign(buffer.AsSpan(0, packet.Length), buffer.AsSpan(1), location, [], out _));
    }

    [Fact]
    public void Concurrent_signers_hand_out_each_counter_once()
    {
        var keys = SigningKeys.FromBytes(KeyA);
        using var signer = new PacketSigner(keys, 4, 1);
        using var verifier = new PacketVerifier(keys, replayWindow: 8192);
        byte[] packet = Build(4, Udp, 200, new Random(13));
        var signed = new System.Collections.Concurrent.ConcurrentBag<byte[]>();

        Parallel.For(0, 4, _ =>
        {
            for (int i = 0; i < 1000; i++)
                signed.Add(Sign(signer, packet));
        });

        var counters = new HashSet<ulong>();
        foreach (byte[] s in signed)
        {
            Assert.Equal(VerifyOutcome.Valid, verifier.Verify(s, out _, out _, out ulong counter));
            Assert.True(counters.Add(counter));
        }
        Assert.Equal(4000, counters.Count);
        Assert.Equal(4000ul, counters.Max());
    }
}
