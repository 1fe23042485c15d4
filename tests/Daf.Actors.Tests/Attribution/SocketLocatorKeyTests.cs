// SPDX-License-Identifier: Apache-2.0
using System.Net;
using Daf.Actors.Attribution;
using Daf.Actors.Rules;
using Daf.Interop.Packets;
using static Daf.Interop.Packets.IpProtocolNumbers;

namespace Daf.Actors.Tests.Attribution;

public sealed class SocketLocatorKeyTests
{
    private static readonly PacketHeaders Udp = SocketLocatorKernelTests.Packet(IPPROTO_UDP,
        new IPEndPoint(IPAddress.Parse("10.0.0.1"), 1111), new IPEndPoint(IPAddress.Parse("10.0.0.2"), 2222));

    [Fact]
    public void Output_is_keyed_by_the_source_and_input_by_the_destination()
    {
        Assert.Equal(LocalSide.Source, SocketLocator.LocalSideOf(Chain.Output));
        Assert.Equal(LocalSide.Destination, SocketLocator.LocalSideOf(Chain.Input));

        Assert.True(SocketLocator.TryGetFlowKey(Udp, LocalSide.Source, out FlowKey sent));
        Assert.True(SocketLocator.TryGetFlowKey(Udp, LocalSide.Destination, out FlowKey received));

        Assert.Equal(new FlowKey(IPPROTO_UDP, Udp.Source, 1111, Udp.Destination, 2222, false), sent);
        Assert.Equal(new FlowKey(IPPROTO_UDP, Udp.Destination, 2222, Udp.Source, 1111, false), received);
    }

    [Fact]
    public void Forward_needs_an_explicit_local_side()
    {
        Assert.Throws<ArgumentException>(() => SocketLocator.LocalSideOf(Chain.Forward));
    }

    [Fact]
    public void Later_fragments_and_missing_l4_headers_have_no_key()
    {
        Assert.False(SocketLocator.TryGetFlowKey(Udp with { IsLaterFragment = true }, LocalSide.Source, out _));
        Assert.False(SocketLocator.TryGetFlowKey(Udp with { L4Offset = -1 }, LocalSide.Source, out _));
        Assert.False(SocketLocator.TryGetFlowKey(Udp with { HasPorts = false }, LocalSide.Source, out _));
    }

    [Fact]
    public void Echo_is_keyed_by_its_identifier_and_other_protocols_by_protocol_alone()
    {
        PacketHeaders echo = Udp with { Protocol = IPPROTO_ICMP, HasPorts = false, HasIcmpEchoId = true, IcmpEchoId = 77 };
        PacketHeaders gre = Udp with { Protocol = 47, HasPorts = false };

        Assert.True(SocketLocator.TryGetFlowKey(echo, LocalSide.Destination, out FlowKey e));
        Assert.True(SocketLocator.TryGetFlowKey(gre, LocalSide.Source, out FlowKey g));

        Assert.Equal(new FlowKey(IPPROTO_ICMP, Udp.Destination, 77, Udp.Source, 0, false), e);
        Assert.Equal(new FlowKey(47, Udp.Source, 47, 0, 0, true), g);
    }

    [Fact]
    public void Echo_requests_are_a_ping_sockets_only_when_sent_and_replies_only_when_received()
    {
        PacketHeaders request = Udp with { Protocol = IPPROTO_ICMP, HasPorts = false, IcmpType = 8, HasIcmpEchoId = true, IcmpEchoId = 77 };
        PacketHeaders reply = request with { IcmpType = 0 };

        Assert.True(SocketLocator.TryGetFlowKey(request, LocalSide.Source, out FlowKey sent));
        Assert.True(SocketLocator.TryGetFlowKey(request, LocalSide.Destination, out FlowKey answeredByKernel));
        Assert.True(SocketLocator.TryGetFlowKey(reply, LocalSide.Source, out FlowKey sentByKernel));

        Assert.False(sent.LocalOnly);
        Assert.Equal(77, sent.LocalPort);
        Assert.Equal(new FlowKey(IPPROTO_ICMP, Udp.Destination, IPPROTO_ICMP, 0, 0, true), answeredByKernel);
        Assert.True(sentByKernel.LocalOnly);
    }
}
