// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Attribution;
using Daf.Actors.Host;
using Daf.Actors.Queue;
using Daf.Actors.Rules;
using Daf.Actors.Signatures;
using Daf.Actors.Tests.Attribution;
using Daf.Actors.Tests.Signatures;
using Daf.Interop.Packets;

namespace Daf.Actors.Tests.Queue;

public sealed class QueueSignaturesTests
{
    private static readonly SigningKeys Keys = SigningKeys.FromBytes(PacketSignerTests.KeyA);

    private static byte[] Udp(int seed) => SignatureTestPackets.Build(4, SignatureTestPackets.Udp, 300, new Random(seed));

    private static (QueueSignatures Signer, QueueSignatures Verifier, QueueCounters SignerCounters, QueueCounters VerifierCounters) Pair(
        SignatureMode mode, IHolderImageSource? holders)
    {
        var signer = new QueueSignatures(new PacketSigner(Keys, 7), mode, null, false, 1500, holders, null);
        var verifier = new QueueSignatures(null, SignatureMode.None, new PacketVerifier(Keys), false, 1500, null, null);
        return (signer, verifier, new QueueCounters(), new QueueCounters());
    }

    private static byte[] Rewrite(QueueSignatures signatures, byte[] packet, QueueCounters counters)
    {
        Assert.True(PacketHeaderParser.TryParse(packet, out PacketHeaders headers));
        var output = new byte[QueueSignatures.MaxRewrittenLength(packet.Length)];
        int written = signatures.TryRewrite(packet, headers, headersValid: true, uid: null, location: null, output, counters);
        return output[..written];
    }

    [Fact]
    public void App_mode_attests_the_single_holders_aggregate_and_the_verifier_reads_it_back()
    {
        var image = FakeHolderImages.Image(10, FakeHolderImages.Digest(3), FakeHolderImages.Digest(4));
        var (signer, verifier, sc, vc) = Pair(SignatureMode.App, new FakeHolderImages { Holders = [image] });

        byte[] signed = Rewrite(signer, Udp(1), sc);

        Assert.NotEmpty(signed);
        Assert.True(verifier.Verify(signed, vc, out AttestedApp app));
        Assert.True(app.Is(image.Aggregate), $"attested {app.Prefix:x16}, holder {image.Aggregate}");
        Assert.Equal((1L, 0L, 1L), (sc.Signed, sc.SignedWithoutApp, vc.Verified));
    }

    [Theory]
    [InlineData("two applications")]
    [InlineData("unverifiable")]
    [InlineData("not known yet")]
    public void App_mode_signs_in_packet_mode_when_it_cannot_vouch_for_one_application(string holders)
    {
        var fake = holders switch
        {
            "two applications" => new FakeHolderImages { Holders = [FakeHolderImages.Image(1, FakeHolderImages.Digest(1)), FakeHolderImages.Image(2, FakeHolderImages.Digest(2))] },
            "unverifiable" => new FakeHolderImages { Holders = [FakeHolderImages.Image(1, true, FakeHolderImages.Digest(1))] },
            _ => new FakeHolderImages { Resolution = HolderResolution.Pending },
        };
        var (signer, verifier, sc, vc) = Pair(SignatureMode.App, fake);

        byte[] signed = Rewrite(signer, Udp(2), sc);

        Assert.True(verifier.Verify(signed, vc, out AttestedApp app));
        Assert.False(app.Present);
        Assert.Equal((1L, 1L), (sc.Signed, sc.SignedWithoutApp));
    }

    [Fact]
    public void Verifier_counts_unsigned_forged_and_replayed_packets_apart()
    {
        var (signer, verifier, sc, vc) = Pair(SignatureMode.Packet, null);
        byte[] signed = Rewrite(signer, Udp(3), sc);
        byte[] forged = (byte[])signed.Clone();
        forged[^1] ^= 1;

        Assert.False(verifier.Verify(Udp(4), vc, out _));
        Assert.False(verifier.Verify(forged, vc, out _));
        Assert.True(verifier.Verify(signed, vc, out _));
        Assert.False(verifier.Verify(signed, vc, out _));

        Assert.Equal((1L, 1L, 1L, 1L), (vc.Unsigned, vc.Forged, vc.Verified, vc.Replayed));
    }

    [Fact]
    public void A_packet_that_cannot_be_signed_is_not_rewritten_and_is_counted()
    {
        var (signer, _, sc, _) = Pair(SignatureMode.Packet, null);
        byte[] packet = Udp(5);
        byte[] output = new byte[QueueSignatures.MaxRewrittenLength(packet.Length)];
        Assert.True(PacketHeaderParser.TryParse(packet, out PacketHeaders headers));
        byte[] truncated = packet[..100];

        Assert.Equal(0, signer.TryRewrite(truncated, headers, true, null, null, output, sc));
        Assert.Equal((0L, 1L), (sc.Signed, sc.SignFailed));
    }

    [Fact]
    public void A_signing_hosts_input_queue_lowers_the_mss_of_a_received_syn_and_leaves_other_packets()
    {
        var clamp = new QueueSignatures(null, SignatureMode.None, null, clampIncomingSyns: true, 1500, null, null);
        byte[] mssOption = [2, 4, 0x05, 0xB4]; // MSS 1460
        byte[] syn = SignatureTestPackets.Build(4, SignatureTestPackets.Tcp, 44, new Random(6), tcpOptions: mssOption, tcpFlags: 0x12);
        var counters = new QueueCounters();

        byte[] rewritten = Rewrite(clamp, syn, counters);
        byte[] untouched = Rewrite(clamp, Udp(7), counters);

        Assert.Equal(syn.Length, rewritten.Length);
        Assert.True(SignatureTestPackets.ChecksumsValid(rewritten));
        int mss = (rewritten[20 + 20 + 2] << 8) | rewritten[20 + 20 + 3];
        Assert.Equal(1500 - 40 - PacketSigner.MaxGrowth, mss);
        Assert.Empty(untouched);
    }
}
