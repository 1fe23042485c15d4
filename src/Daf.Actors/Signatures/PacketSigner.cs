// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using System.Security.Cryptography;
using Daf.Interop.Signatures;

namespace Daf.Actors.Signatures;

/// <summary>
/// Signs whole IPv4/IPv6 packets (docs/signatures.md): inserts a tag with this signer's id, the next value of its
/// counter and, in app mode, the sending application's digest prefix, then the truncated HMAC-SHA256 of the packet's
/// invariant fields, and fixes lengths and checksums. Thread-safe (one signer may serve several queues: the counter
/// is shared, so it stays unique per signer); no allocation per packet.
/// </summary>
public sealed class PacketSigner : IDisposable
{
    /// <summary>Bytes a signed packet may grow: an app-mode tag in an IPv6 destination-options header.</summary>
    public const int MaxGrowth = SignatureWire.MaxGrowth;

    /// <summary>Where tags go when a rule has no <c>-l</c>: L3 fits every protocol and every TCP segment.</summary>
    public const SignatureLocation DefaultLocation = SignatureLocation.L3;

    private readonly SigningKey _key;
    private readonly IncrementalHash _hmac;
    private readonly Lock _hmacLock = new();
    private ulong _counter;

    /// <summary>A signer whose counter starts at the current time in nanoseconds since 1970 (see <see cref="CounterNow"/>).</summary>
    public PacketSigner(SigningKeys keys, uint signerId)
        : this(keys, signerId, CounterNow())
    {
    }

    /// <summary>A signer whose first tag carries <paramref name="firstCounter"/> (test vectors, tests).</summary>
    public PacketSigner(SigningKeys keys, uint signerId, ulong firstCounter)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (firstCounter == 0)
            throw new ArgumentOutOfRangeException(nameof(firstCounter), "counters start at 1");
        _key = keys.Primary;
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key.Secret);
        SignerId = signerId;
        _counter = firstCounter - 1;
    }

    public uint SignerId { get; }

    /// <summary>The counter the last tag carried.</summary>
    public ulong LastCounter => Volatile.Read(ref _counter);

    /// <summary>
    /// The counter a new signer starts from: nanoseconds since 1970 (CLOCK_REALTIME). A restarted signer with the same
    /// id thus continues above every counter it used before, as long as it signed fewer than 10^9 packets a second on
    /// average, which no NFQUEUE path approaches.
    /// </summary>
    public static ulong CounterNow() => (ulong)(DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    /// <summary>A random signer id, the default: two signers sharing a key must not share an id (docs/signatures.md).</summary>
    public static uint RandomSignerId() => BinaryPrimitives.ReadUInt32BigEndian(RandomNumberGenerator.GetBytes(4));

    /// <summary>
    /// Signs <paramref name="packet"/> into <paramref name="output"/>, which needs <see cref="MaxGrowth"/> more bytes than
    /// the packet. <paramref name="output"/> may be the packet's own buffer (signing in place) but must not overlap
    /// it otherwise. On any outcome but <see cref="SignOutcome.Signed"/> nothing was written.
    /// </summary>
    /// <param name="location">L3 (default) or L4; L4 falls back to L3 for non-TCP packets and when the TCP options are full.</param>
    /// <param name="appDigest">Empty (mode packet) or the sending application's aggregate digest (mode app; its first 8 bytes travel).</param>
    public SignOutcome TrySign(ReadOnlySpan<byte> packet, Span<byte> output, SignatureLocation location, ReadOnlySpan<byte> appDigest, out int written) =>
        TrySign(packet, output, location, appDigest, out written, out _);

    /// <summary>Signs <paramref name="packet"/>; <paramref name="placedAt"/> says where the tag went (L4 may fall back to L3).</summary>
    public SignOutcome TrySign(ReadOnlySpan<byte> packet, Span<byte> output, SignatureLocation location, ReadOnlySpan<byte> appDigest,
        out int written, out SignatureLocation placedAt)
    {
        written = 0;
        placedAt = SignatureLocation.L3;
        bool appMode = !appDigest.IsEmpty;
        if (appMode && appDigest.Length < SignatureWire.AppPrefixLength)
            throw new ArgumentException($"an application digest has at least {SignatureWire.AppPrefixLength} bytes", nameof(appDigest));

        switch (SignedPacketParser.Parse(packet, out SignedPacketLayout layout))
        {
            case SignedPacketStatus.Malformed:
                return SignOutcome.Malformed;
            case SignedPacketStatus.Fragment:
                return SignOutcome.Fragment;
            case SignedPacketStatus.Unsupported:
                return SignOutcome.Unsupported;
        }
        if (layout.Carrier != SignatureCarrier.None || layout.HasUnknownTag)
            return SignOutcome.AlreadySigned;

        SignatureCarrier carrier = layout.IpVersion == 4 ? SignatureCarrier.Ipv4Option : SignatureCarrier.Ipv6DestinationOptions;
        if (location == SignatureLocation.L4
            && SignatureTagWriter.CanInsert(layout, packet.Length, SignatureCarrier.TcpOption, appMode) == SignatureInsertStatus.Ok)
        {
            carrier = SignatureCarrier.TcpOption;
            placedAt = SignatureLocation.L4;
        }

        switch (SignatureTagWriter.TryInsert(packet, layout, carrier, appMode, output, out int length, out int bodyOffset))
        {
            case SignatureInsertStatus.Ok:
                break;
            case SignatureInsertStatus.NoOptionRoom or SignatureInsertStatus.TooLong:
                return SignOutcome.NoRoom;
            case SignatureInsertStatus.OutputTooSmall:
                return SignOutcome.OutputTooSmall;
            default:
                return SignOutcome.Unsupported;
        }

        Span<byte> signed = output[..length];
        Span<byte> body = signed.Slice(bodyOffset, SignatureWire.BodyLength(appMode));
        body[SignatureWire.KeyIdOffset] = _key.Id;
        BinaryPrimitives.WriteUInt32BigEndian(body[SignatureWire.SignerIdOffset..], SignerId);
        BinaryPrimitives.WriteUInt64BigEndian(body[SignatureWire.CounterOffset..], Interlocked.Increment(ref _counter));
        if (appMode)
            appDigest[..SignatureWire.AppPrefixLength].CopyTo(body[SignatureWire.AppPrefixOffset..]);

        // The packet as it now stands: the MAC input is defined on the signed packet.
        SignedPacketParser.Parse(signed, out SignedPacketLayout signedLayout);
        Span<byte> mac = stackalloc byte[32];
        lock (_hmacLock)
            SignatureMac.Compute(_hmac, signed, signedLayout, mac);
        mac[..SignatureWire.MacLength].CopyTo(body[(body.Length - SignatureWire.MacLength)..]);
        SignatureTagWriter.FixChecksums(signed, signedLayout, carrier);
        written = length;
        return SignOutcome.Signed;
    }

    /// <summary>
    /// Lowers the MSS option of a TCP SYN or SYN-ACK so that full segments still fit <paramref name="mtu"/> once signed
    /// (MTU − IP and TCP fixed headers − <see cref="MaxGrowth"/>). Apply it before signing to the SYNs this host sends
    /// (the peer then sends segments with room for the peer's tag) and, on INPUT after verification, to the SYNs and
    /// SYN-ACKs it receives (this host's own segments then leave room for its tag).
    /// </summary>
    /// <returns>True when the MSS was lowered.</returns>
    public static bool ClampMss(Span<byte> packet, int mtu)
    {
        if (packet.IsEmpty)
            return false;
        int mss = TcpMssClamp.MssFor(mtu, (byte)(packet[0] >> 4), MaxGrowth);
        return mss > 0 && TcpMssClamp.TryClamp(packet, (ushort)Math.Min(mss, ushort.MaxValue));
    }

    public void Dispose() => _hmac.Dispose();
}
