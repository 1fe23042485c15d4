// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Daf.Interop.Packets;

namespace Daf.Actors.Rules;

/// <summary>
/// An IPv4 or IPv6 address prefix (CIDR). IPv4 prefixes are held IPv4-mapped (::ffff:a.b.c.d/96+n), the
/// form <see cref="PacketHeaderParser"/> gives IPv4 packet addresses, so one masked compare serves both
/// families. The address is stored with its host bits cleared, as iptables does.
/// </summary>
public readonly record struct IpPrefix
{
    private const int MappedIpv4PrefixLength = 96;

    /// <summary>The network address, host bits cleared; IPv4 as ::ffff:a.b.c.d.</summary>
    public UInt128 Network { get; }
    /// <summary>The prefix length as written: 0..32 for IPv4, 0..128 for IPv6.</summary>
    public int Length { get; }
    public bool IsIPv4 { get; }

    private IpPrefix(UInt128 network, int length, bool isIPv4)
    {
        Length = length;
        IsIPv4 = isIPv4;
        Network = network & MaskFor(isIPv4 ? MappedIpv4PrefixLength + length : length);
    }

    /// <summary>The 128-bit mask that selects the prefix bits of an address (IPv4: of the mapped form).</summary>
    public UInt128 Mask => MaskFor(IsIPv4 ? MappedIpv4PrefixLength + Length : Length);

    /// <summary>
    /// True when the address lies in the prefix. The caller must check the packet's family first:
    /// an IPv4 prefix also contains IPv4-mapped IPv6 addresses.
    /// </summary>
    public bool Contains(UInt128 address) => (address & Mask) == Network;

    public static IpPrefix FromIpv4(uint address, int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)length, 32u, nameof(length));
        return new(PacketHeaderParser.MapIpv4(address), length, isIPv4: true);
    }

    public static IpPrefix FromIpv6(UInt128 address, int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)length, 128u, nameof(length));
        return new(address, length, isIPv4: false);
    }

    /// <summary>Parses <c>ADDRESS</c> or <c>ADDRESS/LENGTH</c>; IPv4 must be dotted quad, IPv6 without a zone.</summary>
    public static bool TryParse(string text, out IpPrefix prefix, out string? error)
    {
        prefix = default;
        error = null;
        int slash = text.IndexOf('/');
        string addressText = slash < 0 ? text : text[..slash];
        bool isIPv4 = !addressText.Contains(':');
        int maxLength = isIPv4 ? 32 : 128;
        int length = maxLength;
        if (slash >= 0)
        {
            string lengthText = text[(slash + 1)..];
            if (!IsDecimal(lengthText) || lengthText.Length > 3 || (length = int.Parse(lengthText, CultureInfo.InvariantCulture)) > maxLength)
            {
                error = $"bad address '{text}': prefix length must be 0..{maxLength}";
                return false;
            }
        }

        if (isIPv4)
        {
            if (!TryParseDottedQuad(addressText, out uint address))
            {
                error = $"bad address '{text}': expected an IPv4 address a.b.c.d or an IPv6 address, optionally /LENGTH";
                return false;
            }
            prefix = FromIpv4(address, length);
            return true;
        }

        if (addressText.Contains('%') || !IPAddress.TryParse(addressText, out IPAddress? parsed)
            || parsed.AddressFamily != AddressFamily.InterNetworkV6)
        {
            error = $"bad address '{text}': not an IPv6 address (zones are not allowed)";
            return false;
        }
        Span<byte> bytes = stackalloc byte[16];
        parsed.TryWriteBytes(bytes, out _);
        prefix = FromIpv6(BinaryPrimitives.ReadUInt128BigEndian(bytes), length);
        return true;
    }

    /// <summary>The address, followed by /LENGTH unless the prefix is a single host.</summary>
    public override string ToString()
    {
        string address;
        if (IsIPv4)
        {
            uint v4 = (uint)(Network & uint.MaxValue);
            address = $"{v4 >> 24}.{(v4 >> 16) & 0xFF}.{(v4 >> 8) & 0xFF}.{v4 & 0xFF}";
        }
        else
        {
            Span<byte> bytes = stackalloc byte[16];
            BinaryPrimitives.WriteUInt128BigEndian(bytes, Network);
            address = new IPAddress(bytes).ToString();
        }
        return Length == (IsIPv4 ? 32 : 128) ? address : $"{address}/{Length}";
    }

    private static UInt128 MaskFor(int length) => length == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - length);

    private static bool TryParseDottedQuad(string text, out uint address)
    {
        address = 0;
        string[] parts = text.Split('.');
        if (parts.Length != 4)
            return false;
        foreach (string part in parts)
        {
            if (!IsDecimal(part) || part.Length > 3)
                return false;
            int octet = int.Parse(part, CultureInfo.InvariantCulture);
            if (octet > 255)
                return false;
            address = (address << 8) | (uint)octet;
        }
        return true;
    }

    private static bool IsDecimal(string text) => text.Length > 0 && text.All(char.IsAsciiDigit);
}
