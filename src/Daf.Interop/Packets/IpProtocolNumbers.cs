// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Packets;

/// <summary>IANA protocol numbers (IPPROTO_* in linux/in.h, NEXTHDR_* in net/ipv6.h) the parser and rules use.</summary>
public static class IpProtocolNumbers
{
    public const byte IPPROTO_HOPOPTS = 0;
    public const byte IPPROTO_ICMP = 1;
    public const byte IPPROTO_TCP = 6;
    public const byte IPPROTO_UDP = 17;
    public const byte IPPROTO_DCCP = 33;
    public const byte IPPROTO_ROUTING = 43;
    public const byte IPPROTO_FRAGMENT = 44;
    public const byte IPPROTO_GRE = 47;
    public const byte IPPROTO_ESP = 50;
    public const byte IPPROTO_AH = 51;
    public const byte IPPROTO_ICMPV6 = 58;
    public const byte IPPROTO_NONE = 59;
    public const byte IPPROTO_DSTOPTS = 60;
    public const byte IPPROTO_SCTP = 132;
    public const byte IPPROTO_UDPLITE = 136;

    /// <summary>True for the protocols whose header starts with 16-bit source and destination ports.</summary>
    public static bool CarriesPorts(byte protocol) => protocol is IPPROTO_TCP or IPPROTO_UDP or IPPROTO_UDPLITE
        or IPPROTO_SCTP or IPPROTO_DCCP;
}
