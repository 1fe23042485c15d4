// SPDX-License-Identifier: Apache-2.0
using System.Globalization;
using static Daf.Interop.Packets.IpProtocolNumbers;

namespace Daf.Actors.Rules;

/// <summary>
/// The L4 protocol a rule names, by IANA number. As in iptables, number 0 (<c>all</c>) stands for every
/// protocol: <c>-p all</c> matches any packet and <c>! -p all</c> none.
/// </summary>
public readonly record struct IpProtocol(byte Number)
{
    public static IpProtocol All => new(0);

    public bool IsAll => Number == 0;

    private static readonly (string Name, byte Number)[] Names =
    [
        ("all", 0), ("icmp", IPPROTO_ICMP), ("tcp", IPPROTO_TCP), ("udp", IPPROTO_UDP), ("dccp", IPPROTO_DCCP),
        ("gre", IPPROTO_GRE), ("esp", IPPROTO_ESP), ("ah", IPPROTO_AH), ("icmpv6", IPPROTO_ICMPV6),
        ("ipv6-icmp", IPPROTO_ICMPV6), ("sctp", IPPROTO_SCTP), ("udplite", IPPROTO_UDPLITE),
    ];

    /// <summary>Parses a protocol name (case-insensitive) or a number 0..255.</summary>
    public static bool TryParse(string text, out IpProtocol protocol, out string? error)
    {
        error = null;
        foreach (var (name, number) in Names)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                protocol = new(number);
                return true;
            }
        }
        if (text.Length is > 0 and <= 3 && text.All(char.IsAsciiDigit)
            && int.Parse(text, CultureInfo.InvariantCulture) is var value and <= byte.MaxValue)
        {
            protocol = new((byte)value);
            return true;
        }
        protocol = default;
        error = $"bad protocol '{text}': a number 0..255 or one of tcp, udp, icmp, icmpv6, udplite, sctp, dccp, gre, esp, ah, all";
        return false;
    }

    /// <summary>The protocol's name when it has one, else its number.</summary>
    public override string ToString()
    {
        foreach (var (name, number) in Names)
        {
            if (number == Number)
                return name;
        }
        return Number.ToString(CultureInfo.InvariantCulture);
    }
}
