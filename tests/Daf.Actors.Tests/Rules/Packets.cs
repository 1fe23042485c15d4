// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Daf.Interop.Packets;

namespace Daf.Actors.Tests.Rules;

/// <summary>Builds <see cref="PacketHeaders"/> as the parser would fill them.</summary>
internal static class Packets
{
    public static PacketHeaders Tcp(string source, string destination, ushort sourcePort, ushort destinationPort) =>
        WithPorts(IpProtocolNumbers.IPPROTO_TCP, source, destination, sourcePort, destinationPort);

    public static PacketHeaders Udp(string source, string destination, ushort sourcePort, ushort destinationPort) =>
        WithPorts(IpProtocolNumbers.IPPROTO_UDP, source, destination, sourcePort, destinationPort);

    public static PacketHeaders WithPorts(byte protocol, string source, string destination, ushort sourcePort, ushort destinationPort)
    {
        PacketHeaders packet = Portless(protocol, source, destination);
        packet.HasPorts = true;
        packet.SourcePort = sourcePort;
        packet.DestinationPort = destinationPort;
        return packet;
    }

    public static PacketHeaders Portless(byte protocol, string source, string destination)
    {
        var (version, sourceAddress) = Address(source);
        var (_, destinationAddress) = Address(destination);
        return new PacketHeaders
        {
            IpVersion = version,
            Protocol = protocol,
            Source = sourceAddress,
            Destination = destinationAddress,
            L4Offset = version == 4 ? 20 : 40,
        };
    }

    public static PacketHeaders LaterFragment(byte protocol, string source, string destination)
    {
        PacketHeaders packet = Portless(protocol, source, destination);
        packet.IsLaterFragment = true;
        packet.L4Offset = -1;
        return packet;
    }

    private static (byte Version, UInt128 Address) Address(string text)
    {
        var address = IPAddress.Parse(text);
        byte version = address.AddressFamily == AddressFamily.InterNetwork ? (byte)4 : (byte)6;
        if (version == 4)
            address = address.MapToIPv6();
        return (version, BinaryPrimitives.ReadUInt128BigEndian(address.GetAddressBytes()));
    }
}
