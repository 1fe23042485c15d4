// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Packets;

/// <summary>
/// What a verdict needs from an IP packet's headers, read without copying the packet.
/// Addresses are 128-bit; IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d) so that one
/// CIDR comparison serves both families.
/// </summary>
public struct PacketHeaders
{
    /// <summary>4 or 6.</summary>
    public byte IpVersion;
    /// <summary>The L4 protocol number (for IPv6, after the extension headers).</summary>
    public byte Protocol;
    /// <summary>TCP flags byte (FIN=0x01, SYN=0x02, RST=0x04, PSH=0x08, ACK=0x10, URG=0x20); 0 for other protocols.</summary>
    public byte TcpFlags;
    /// <summary>True when the ports were read (TCP, UDP, UDP-Lite, SCTP, DCCP on a first or unfragmented packet).</summary>
    public bool HasPorts;
    /// <summary>True for a non-first fragment: no L4 header is present.</summary>
    public bool IsLaterFragment;
    public UInt128 Source;
    public UInt128 Destination;
    public ushort SourcePort;
    public ushort DestinationPort;
    /// <summary>The ICMP or ICMPv6 type when the L4 header was read (e.g. 8/128 echo request, 0/129 echo reply); 0 otherwise.</summary>
    public byte IcmpType;
    /// <summary>True for an ICMP echo request/reply (types 8/0) or ICMPv6 echo (128/129) whose identifier was read.</summary>
    public bool HasIcmpEchoId;
    /// <summary>The echo identifier: a ping socket's "port" (its local ident), as /proc/net/icmp shows it.</summary>
    public ushort IcmpEchoId;
    /// <summary>Offset of the L4 header in the packet, or -1 when it could not be located.</summary>
    public int L4Offset;
    /// <summary>The IP total length the header claims (IPv6: 40 + payload length).</summary>
    public int TotalLength;
}
