// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Signatures;
using Daf.Interop.Tests.Packets;
using static Daf.Interop.Packets.IpProtocolNumbers;

namespace Daf.Interop.Tests.Signatures;

public sealed class SignedPacketParserTests
{
    [Fact]
    public void Garbage_input_never_throws_and_offsets_stay_inside_the_packet()
    {
        var rng = new Random(11);
        for (int i = 0; i < 50_000; i++)
        {
            var bytes = new byte[rng.Next(0, 160)];
            rng.NextBytes(bytes);
            if (bytes.Length > 0)
                bytes[0] = (byte)((rng.Next(2) == 0 ? 0x40 : 0x60) | (bytes[0] & 0x0F));
            if (bytes.Length >= 4 && bytes[0] >> 4 == 4) // consistent lengths, so that the option and header walks are reached
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)bytes.Length);
            if (bytes.Length >= 40 && bytes[0] >> 4 == 6)
                System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4), (ushort)(bytes.Length - 40));

            if (SignedPacketParser.Parse(bytes, out SignedPacketLayout layout) != SignedPacketStatus.Ok)
                continue;
            Assert.InRange(layout.UpperLayerOffset, 0, bytes.Length);
            Assert.Equal(bytes.Length - layout.UpperLayerOffset, layout.UpperLayerLength);
            if (layout.ChecksumOffset >= 0)
                Assert.InRange(layout.ChecksumOffset + 2, 0, bytes.Length);
            if (layout.Carrier != SignatureCarrier.None)
                Assert.InRange(layout.TagBodyOffset + layout.TagBodyLength, 0, bytes.Length);
        }
    }

    [Fact]
    public void Finds_a_tag_behind_other_ipv4_options_and_refuses_options_that_overrun()
    {
        byte[] tagOption = [SignatureWire.IPOPT_DAF_SIG, 28, 0x10, .. new byte[25]];
        byte[] options = [1, 0x94, 4, 0, 0, .. tagOption, 1, 1, 0]; // NOP, router alert, tag, NOP, NOP, EOL = 36
        byte[] packet = TestPackets.Ipv4(IPPROTO_UDP, "10.0.0.1", "10.0.0.2", new byte[8], optionBytes: 36);
        options.CopyTo(packet, 20);

        Assert.Equal(SignedPacketStatus.Ok, SignedPacketParser.Parse(packet, out SignedPacketLayout layout));
        Assert.Equal(SignatureCarrier.Ipv4Option, layout.Carrier);
        Assert.Equal(20 + 5 + 2, layout.TagBodyOffset);
        Assert.Equal(56, layout.UpperLayerOffset);

        packet[21] = 0x94;
        packet[22] = 60; // router alert claiming more than the header holds
        Assert.Equal(SignedPacketStatus.Malformed, SignedPacketParser.Parse(packet, out _));
    }

    [Fact]
    public void Skips_ipv6_extension_headers_and_stops_at_fragments()
    {
        byte[] hopByHop = [0, 0, 1, 4, 0, 0, 0, 0];
        byte[] fragmentHeader = [0, 0, 0, 1, 0, 0, 0, 9];
        byte[] withHbh = TestPackets.Ipv6(IPPROTO_TCP, "fd00::1", "fd00::2", new byte[20], (IPPROTO_HOPOPTS, hopByHop));
        withHbh[40 + 8 + 12] = 0x50;
        byte[] fragment = TestPackets.Ipv6(IPPROTO_UDP, "fd00::1", "fd00::2", new byte[8], (IPPROTO_FRAGMENT, fragmentHeader));

        Assert.Equal(SignedPacketStatus.Ok, SignedPacketParser.Parse(withHbh, out SignedPacketLayout layout));
        Assert.Equal(IPPROTO_TCP, layout.Protocol);
        Assert.Equal(48, layout.UpperLayerOffset);
        Assert.Equal(40, layout.NextHeaderFieldOffset);
        Assert.Equal(48 + 16, layout.ChecksumOffset);
        Assert.Equal(20, layout.TcpHeaderLength);
        Assert.Equal(SignedPacketStatus.Fragment, SignedPacketParser.Parse(fragment, out _));
    }

    [Fact]
    public void Lengths_that_disagree_with_the_buffer_are_malformed()
    {
        byte[] v4 = TestPackets.Ipv4(IPPROTO_UDP, "10.0.0.1", "10.0.0.2", new byte[8]);
        byte[] v6 = TestPackets.Ipv6(IPPROTO_UDP, "fd00::1", "fd00::2", new byte[8]);

        Assert.Equal(SignedPacketStatus.Ok, SignedPacketParser.Parse(v4, out _));
        Assert.Equal(SignedPacketStatus.Malformed, SignedPacketParser.Parse(v4.AsSpan(0, v4.Length - 1), out _));
        Assert.Equal(SignedPacketStatus.Malformed, SignedPacketParser.Parse([.. v4, 0], out _));
        Assert.Equal(SignedPacketStatus.Ok, SignedPacketParser.Parse(v6, out _));
        Assert.Equal(SignedPacketStatus.Malformed, SignedPacketParser.Parse(v6.AsSpan(0, v6.Length - 1), out _));
    }
}
