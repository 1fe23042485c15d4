// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Packets;
using static Daf.Interop.Packets.IpProtocolNumbers;
using static Daf.Interop.Tests.Packets.TestPackets;

namespace Daf.Interop.Tests.Packets;

public class PacketHeaderParserTests
{
    [Fact]
    public void Ipv4_tcp_syn_yields_addresses_ports_and_flags()
    {
        byte[] packet = Ipv4(IPPROTO_TCP, "10.0.0.1", "192.168.1.20", Tcp(40000, 443, 0x02));

        Assert.True(PacketHeaderParser.TryParse(packet, out var h));

        Assert.Equal(4, h.IpVersion);
        Assert.Equal(IPPROTO_TCP, h.Protocol);
        Assert.Equal(Address("10.0.0.1"), h.Source);
        Assert.Equal(Address("192.168.1.20"), h.Destination);
        Assert.True(h.HasPorts);
        Assert.Equal(40000, h.SourcePort);
        Assert.Equal(443, h.DestinationPort);
        Assert.Equal(0x02, h.TcpFlags);
        Assert.Equal(20, h.L4Offset);
        Assert.Equal(packet.Length, h.TotalLength);
        Assert.False(h.IsLaterFragment);
    }

    [Fact]
    public void Ipv4_address_is_mapped_so_prefix_masks_work_numerically()
    {
        byte[] packet = Ipv4(IPPROTO_UDP, "10.1.2.3", "10.255.0.1", Udp(1, 2));
        Assert.True(PacketHeaderParser.TryParse(packet, out var h));

        Assert.Equal(((UInt128)0xFFFF << 32) | 0x0A010203u, h.Source);
        UInt128 mask8 = UInt128.MaxValue << (128 - 104); // ::ffff:0:0/104 == 10.0.0.0/8
        Assert.Equal(PacketHeaderParser.MapIpv4(0x0A000000), h.Source & mask8);
        Assert.Equal(PacketHeaderParser.MapIpv4(0x0A000000), h.Destination & mask8);
    }

    [Fact]
    public void Ipv4_options_move_the_l4_header()
    {
        byte[] packet = Ipv4(IPPROTO_UDP, "10.0.0.1", "10.0.0.2", Udp(5353, 53), optionBytes: 12);

        Assert.True(PacketHeaderParser.TryParse(packet, out var h));

        Assert.Equal(32, h.L4Offset);
        Assert.True(h.HasPorts);
        Assert.Equal(5353, h.SourcePort);
        Assert.Equal(53, h.DestinationPort);
        Assert.Equal(0, h.TcpFlags);
    }

    [Fact]
    public void Ipv4_first_fragment_has_ports_later_fragment_has_none()
    {
        byte[] first = Ipv4(IPPROTO_UDP, "10.0.0.1", "10.0.0.2", Udp(1000, 2000), fragmentField: 0x2000); // MF, offset 0
        byte[] later = Ipv4(IPPROTO_UDP, "10.0.0.1", "10.0.0.2", Udp(1000, 2000), fragmentField: 0x0010);

        Assert.True(PacketHeaderParser.TryParse(first, out var f));
        Assert.True(PacketHeaderParser.TryParse(later, out var l));

        Assert.True(f.HasPorts);
        Assert.False(f.IsLaterFragment);
        Assert.Equal(2000, f.DestinationPort);
        Assert.True(l.IsLaterFragment);
        Assert.False(l.HasPorts);
        Assert.Equal(0, l.DestinationPort);
        Assert.Equal(-1, l.L4Offset);
        Assert.Equal(IPPROTO_UDP, l.Protocol);
    }

    [Fact]
    public void Icmp_has_an_l4_offset_but_no_ports()
    {
        Assert.True(PacketHeaderParser.TryParse(Ipv4(IPPROTO_ICMP, "10.0.0.1", "10.0.0.2", IcmpEcho()), out var v4));
        Assert.True(PacketHeaderParser.TryParse(Ipv6(IPPROTO_ICMPV6, "fd00::1", "fd00::2", IcmpEcho()), out var v6));

        Assert.Equal(IPPROTO_ICMP, v4.Protocol);
        Assert.False(v4.HasPorts);
        Assert.Equal(20, v4.L4Offset);
        Assert.Equal(IPPROTO_ICMPV6, v6.Protocol);
        Assert.False(v6.HasPorts);
        Assert.Equal(40, v6.L4Offset);
    }

    private static byte[] IcmpPacket(byte protocol, byte[] icmp) => protocol == IPPROTO_ICMP
        ? Ipv4(protocol, "10.0.0.1", "10.0.0.2", icmp)
        : Ipv6(protocol, "fd00::1", "fd00::2", icmp);

    [Theory]
    [InlineData(IPPROTO_ICMP, 8)]
    [InlineData(IPPROTO_ICMP, 0)]
    [InlineData(IPPROTO_ICMPV6, 128)]
    [InlineData(IPPROTO_ICMPV6, 129)]
    public void Icmp_echo_request_and_reply_yield_the_echo_identifier(byte protocol, byte type)
    {
        Assert.True(PacketHeaderParser.TryParse(IcmpPacket(protocol, [type, 0, 0xAB, 0xCD, 0x12, 0x34, 0, 7]), out var h));

        Assert.True(h.HasIcmpEchoId);
        Assert.Equal(type, h.IcmpType);
        Assert.Equal(0x1234, h.IcmpEchoId);
        Assert.False(h.HasPorts);
    }

    [Theory]
    [InlineData(IPPROTO_ICMP, 3)]
    [InlineData(IPPROTO_ICMP, 128)]
    [InlineData(IPPROTO_ICMPV6, 8)]
    [InlineData(IPPROTO_ICMPV6, 1)]
    public void Other_icmp_types_and_truncated_echoes_have_no_echo_identifier(byte protocol, byte type)
    {
        byte[] icmp = [type, 0, 0, 0, 0x12, 0x34, 0, 7];
        byte echoType = protocol == IPPROTO_ICMP ? (byte)8 : (byte)128;

        Assert.True(PacketHeaderParser.TryParse(IcmpPacket(protocol, icmp), out var other));
        Assert.True(PacketHeaderParser.TryParse(IcmpPacket(protocol, [echoType, 0, 0, 0, 0x12, 0x34, 0]), out var truncated));

        Assert.False(other.HasIcmpEchoId);
        Assert.Equal(type, other.IcmpType);
        Assert.Equal(0, other.IcmpEchoId);
        Assert.False(truncated.HasIcmpEchoId);
    }

    [Theory]
    [InlineData(IPPROTO_UDPLITE)]
    [InlineData(IPPROTO_SCTP)]
    [InlineData(IPPROTO_DCCP)]
    public void Other_port_protocols_yield_ports(byte protocol)
    {
        Assert.True(PacketHeaderParser.TryParse(Ipv4(protocol, "10.0.0.1", "10.0.0.2", Udp(7, 9, payload: 8)), out var h));

        Assert.Equal(protocol, h.Protocol);
        Assert.True(h.HasPorts);
        Assert.Equal(7, h.SourcePort);
        Assert.Equal(9, h.DestinationPort);
        Assert.Equal(0, h.TcpFlags);
    }

    [Fact]
    public void Gre_has_no_ports()
    {
        Assert.True(PacketHeaderParser.TryParse(Ipv4(IPPROTO_GRE, "10.0.0.1", "10.0.0.2", new byte[8]), out var h));
        Assert.Equal(IPPROTO_GRE, h.Protocol);
        Assert.False(h.HasPorts);
    }

    [Fact]
    public void Ipv6_udp_yields_addresses_and_ports()
    {
        byte[] packet = Ipv6(IPPROTO_UDP, "fd00::1", "2001:db8::53", Udp(33000, 53, payload: 4));

        Assert.True(PacketHeaderParser.TryParse(packet, out var h));

        Assert.Equal(6, h.IpVersion);
        Assert.Equal(Address("fd00::1"), h.Source);
        Assert.Equal(Address("2001:db8::53"), h.Destination);
        Assert.Equal(IPPROTO_UDP, h.Protocol);
        Assert.Equal(53, h.DestinationPort);
        Assert.Equal(40, h.L4Offset);
        Assert.Equal(packet.Length, h.TotalLength);
    }

    [Fact]
    public void Ipv6_extension_headers_are_walked_to_the_l4_header()
    {
        byte[] packet = Ipv6(IPPROTO_TCP, "fd00::1", "fd00::2", Tcp(1234, 80, 0x18),
            (IPPROTO_HOPOPTS, Options(0)), (IPPROTO_ROUTING, Options(2)), (IPPROTO_FRAGMENT, Fragment(0, true)),
            (IPPROTO_AH, Ah(4)), (IPPROTO_DSTOPTS, Options(1)));

        Assert.True(PacketHeaderParser.TryParse(packet, out var h));

        Assert.Equal(IPPROTO_TCP, h.Protocol);
        Assert.Equal(40 + 8 + 24 + 8 + 24 + 16, h.L4Offset);
        Assert.True(h.HasPorts);
        Assert.Equal(1234, h.SourcePort);
        Assert.Equal(80, h.DestinationPort);
        Assert.Equal(0x18, h.TcpFlags);
        Assert.False(h.IsLaterFragment);
    }

    [Fact]
    public void Ipv6_later_fragment_reports_the_fragmented_protocol_without_ports()
    {
        byte[] packet = Ipv6(IPPROTO_UDP, "fd00::1", "fd00::2", Udp(1, 2), (IPPROTO_FRAGMENT, Fragment(185, false)));

        Assert.True(PacketHeaderParser.TryParse(packet, out var h));

        Assert.True(h.IsLaterFragment);
        Assert.Equal(IPPROTO_UDP, h.Protocol);
        Assert.False(h.HasPorts);
        Assert.Equal(-1, h.L4Offset);
    }

    [Fact]
    public void Ipv6_extension_chain_longer_than_the_bound_is_left_unresolved()
    {
        var chain = Enumerable.Repeat((IPPROTO_DSTOPTS, Options(0)), PacketHeaderParser.MaxIpv6ExtensionHeaders + 1).ToArray();
        byte[] packet = Ipv6(IPPROTO_UDP, "fd00::1", "fd00::2", Udp(1, 2), chain);

        Assert.True(PacketHeaderParser.TryParse(packet, out var h));

        Assert.Equal(IPPROTO_DSTOPTS, h.Protocol);
        Assert.False(h.HasPorts);
        Assert.Equal(-1, h.L4Offset);
    }

    [Fact]
    public void Ipv6_no_next_header_and_esp_stop_the_walk()
    {
        Assert.True(PacketHeaderParser.TryParse(Ipv6(IPPROTO_NONE, "fd00::1", "fd00::2", []), out var none));
        Assert.True(PacketHeaderParser.TryParse(Ipv6(IPPROTO_ESP, "fd00::1", "fd00::2", new byte[16], (IPPROTO_HOPOPTS, Options(0))), out var esp));

        Assert.Equal(IPPROTO_NONE, none.Protocol);
        Assert.False(none.HasPorts);
        Assert.Equal(IPPROTO_ESP, esp.Protocol);
        Assert.Equal(48, esp.L4Offset);
        Assert.False(esp.HasPorts);
    }

    [Fact]
    public void Truncated_copy_keeps_addresses_and_drops_what_is_missing()
    {
        byte[] packet = Ipv4(IPPROTO_TCP, "10.0.0.1", "10.0.0.2", Tcp(1, 2, 0x02));

        Assert.True(PacketHeaderParser.TryParse(packet.AsSpan(0, 22), out var noPorts));
        Assert.True(PacketHeaderParser.TryParse(packet.AsSpan(0, 30), out var noFlags));

        Assert.Equal(Address("10.0.0.2"), noPorts.Destination);
        Assert.False(noPorts.HasPorts);
        Assert.True(noFlags.HasPorts);
        Assert.Equal(2, noFlags.DestinationPort);
        Assert.Equal(0, noFlags.TcpFlags);
    }

    [Fact]
    public void Truncated_ipv6_extension_chain_reports_the_unresolved_header()
    {
        byte[] packet = Ipv6(IPPROTO_TCP, "fd00::1", "fd00::2", Tcp(1, 2, 0), (IPPROTO_HOPOPTS, Options(0)), (IPPROTO_ROUTING, Options(2)));

        Assert.True(PacketHeaderParser.TryParse(packet.AsSpan(0, 52), out var cutInRouting));
        Assert.True(PacketHeaderParser.TryParse(packet.AsSpan(0, 60), out var cutBeforeTcp));

        Assert.Equal(IPPROTO_ROUTING, cutInRouting.Protocol);
        Assert.Equal(-1, cutInRouting.L4Offset);
        Assert.False(cutInRouting.HasPorts);
        Assert.Equal(IPPROTO_TCP, cutBeforeTcp.Protocol);
        Assert.Equal(-1, cutBeforeTcp.L4Offset);
        Assert.False(cutBeforeTcp.HasPorts);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x45, 0, 0 })]
    [InlineData(new byte[] { 0x00, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 0x75, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    public void Non_ip_bytes_are_refused(byte[] bytes) => Assert.False(PacketHeaderParser.TryParse(bytes, out _));

    [Fact]
    public void Ipv4_with_header_length_below_minimum_is_refused()
    {
        byte[] packet = Ipv4(IPPROTO_UDP, "10.0.0.1", "10.0.0.2", Udp(1, 2));
        packet[0] = 0x44;
        Assert.False(PacketHeaderParser.TryParse(packet, out _));
    }

    [Fact]
    public void Ipv4_total_length_shorter_than_its_header_is_refused()
    {
        byte[] packet = Ipv4(IPPROTO_UDP, "10.0.0.1", "10.0.0.2", Udp(1, 2), optionBytes: 8);
        packet[3] = 24;
        Assert.False(PacketHeaderParser.TryParse(packet, out _));
    }

    [Fact]
    public void Ipv6_shorter_than_its_fixed_header_is_refused()
    {
        byte[] packet = Ipv6(IPPROTO_UDP, "fd00::1", "fd00::2", Udp(1, 2));
        Assert.False(PacketHeaderParser.TryParse(packet.AsSpan(0, 39), out _));
    }

    [Fact]
    public void Garbage_and_truncations_never_throw_and_stay_in_range()
    {
        var random = new Random(20261129);
        byte[][] seeds =
        [
            Ipv4(IPPROTO_TCP, "10.0.0.1", "10.0.0.2", Tcp(1, 2, 2), optionBytes: 8),
            Ipv4(IPPROTO_UDP, "10.0.0.1", "10.0.0.2", Udp(1, 2, 30)),
            Ipv6(IPPROTO_TCP, "fd00::1", "fd00::2", Tcp(1, 2, 2), (IPPROTO_HOPOPTS, Options(1)), (IPPROTO_FRAGMENT, Fragment(0, true)), (IPPROTO_AH, Ah(1))),
            Ipv6(IPPROTO_UDP, "fd00::1", "fd00::2", Udp(1, 2, 60), (IPPROTO_DSTOPTS, Options(0))),
        ];
        int parsed = 0;
        for (int i = 0; i < 20_000; i++)
        {
            byte[] packet;
            if (i % 2 == 0)
            {
                packet = new byte[random.Next(0, 129)];
                random.NextBytes(packet);
                if (packet.Length > 0 && random.Next(2) == 0)
                    packet[0] = (byte)((random.Next(2) == 0 ? 0x40 : 0x60) | (packet[0] & 0x0F));
            }
            else
            {
                byte[] seed = seeds[random.Next(seeds.Length)];
                packet = seed.AsSpan(0, random.Next(0, seed.Length + 1)).ToArray();
                for (int flips = random.Next(0, 4); flips > 0 && packet.Length > 0; flips--)
                    packet[random.Next(packet.Length)] = (byte)random.Next(256);
            }

            if (!PacketHeaderParser.TryParse(packet, out var h))
                continue;
            parsed++;
            Assert.True(h.IpVersion is 4 or 6);
            Assert.InRange(h.L4Offset, -1, packet.Length);
            if (h.HasPorts)
                Assert.InRange(h.L4Offset, 0, packet.Length - 4);
            Assert.False(h.HasPorts && h.IsLaterFragment);
        }
        Assert.True(parsed > 1000, $"only {parsed} inputs parsed: the generator no longer exercises the parser");
    }
}
