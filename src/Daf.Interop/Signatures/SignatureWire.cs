// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Signatures;

/// <summary>
/// Constants of the DAF signature tag (docs/signatures.md). The tag body is the same in every carrier:
/// <code>
/// 0      version (high 4 bits, 1) | mode (low 4 bits: 0 packet, 1 app)
/// 1      key id
/// 2..5   signer id (big-endian)
/// 6..13  counter (big-endian)
/// 14..21 application digest prefix (app mode only)
/// then   MAC: the first 12 bytes of HMAC-SHA256
/// </code>
/// </summary>
public static class SignatureWire
{
    /// <summary>IPv4 option type: RFC 4727 experimental number 30, class 2, not copied into fragments (as the original DAF).</summary>
    public const byte IPOPT_DAF_SIG = 0x5E;
    /// <summary>IPv6 destination option type: RFC 4727 experimental 0x1E (action 00: skip if unknown; data does not change en route).</summary>
    public const byte IPV6_TLV_DAF_SIG = 0x1E;
    /// <summary>TCP option kind: RFC 4727 experimental 253 (no RFC 6994 ExID: the two bytes do not fit next to timestamps).</summary>
    public const byte TCPOPT_DAF_SIG = 253;

    public const byte Version = 1;
    public const byte ModePacket = 0;
    public const byte ModeApp = 1;

    public const int VersionModeOffset = 0;
    public const int KeyIdOffset = 1;
    public const int SignerIdOffset = 2;
    public const int CounterOffset = 6;
    public const int AppPrefixOffset = 14;

    public const int AppPrefixLength = 8;
    public const int MacLength = 12;
    /// <summary>Bytes of the body before the application prefix / MAC.</summary>
    public const int CommonFieldsLength = 14;
    public const int PacketBodyLength = CommonFieldsLength + MacLength;                  // 26
    public const int AppBodyLength = CommonFieldsLength + AppPrefixLength + MacLength;   // 34

    /// <summary>The 8 bytes that start every MAC input ("DAF-SIG1"), separating it from any other use of the key.</summary>
    public static ReadOnlySpan<byte> Domain => "DAF-SIG1"u8;

    /// <summary>Largest growth of a signed packet (an app-mode tag in an IPv6 destination-options header).</summary>
    public const int MaxGrowth = 40;

    public static int BodyLength(bool appMode) => appMode ? AppBodyLength : PacketBodyLength;

    /// <summary>Length of the fields the MAC follows (the body minus the MAC).</summary>
    public static int FieldsLength(bool appMode) => BodyLength(appMode) - MacLength;

    /// <summary>Bytes a tag adds to a packet in <paramref name="carrier"/>.</summary>
    public static int Growth(SignatureCarrier carrier, bool appMode) => carrier switch
    {
        SignatureCarrier.Ipv4Option or SignatureCarrier.TcpOption => 2 + BodyLength(appMode),
        SignatureCarrier.Ipv6DestinationOptions => (2 + 2 + BodyLength(appMode) + 7) & ~7,
        _ => throw new ArgumentOutOfRangeException(nameof(carrier)),
    };

    /// <summary>The body length a version/mode byte announces, or -1 for an unknown version or mode.</summary>
    public static int BodyLengthFor(byte versionMode) => versionMode switch
    {
        (Version << 4) | ModePacket => PacketBodyLength,
        (Version << 4) | ModeApp => AppBodyLength,
        _ => -1,
    };
}
