// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Actors.Signatures;

/// <summary>
/// The application a verified app-mode tag attests: the first <see cref="PrefixLength"/> bytes of the sender's
/// aggregate digest (identity issue), authenticated by the MAC. Eight bytes is what fits beside a 12-byte MAC in
/// the 40 bytes of IPv4 options and, as an L4 tag, beside TCP timestamps on data segments; forging an identity
/// then takes a second preimage of a 64-bit prefix on a host that holds the key (see docs/signatures.md).
/// </summary>
public readonly struct AppAttestation : IEquatable<AppAttestation>
{
    public const int PrefixLength = 8;

    private readonly ulong _prefix;

    public AppAttestation(ReadOnlySpan<byte> digestOrPrefix)
    {
        if (digestOrPrefix.Length < PrefixLength)
            throw new ArgumentException($"an application digest needs at least {PrefixLength} bytes", nameof(digestOrPrefix));
        _prefix = BinaryPrimitives.ReadUInt64BigEndian(digestOrPrefix);
        IsPresent = true;
    }

    /// <summary>False for packet-mode tags (and when verification failed).</summary>
    public bool IsPresent { get; }

    /// <summary>The prefix as a big-endian number (its hex form is the digest's first 16 hex digits).</summary>
    public ulong Prefix => _prefix;

    /// <summary>
    /// True when an application is attested and its prefix equals the first <see cref="PrefixLength"/> bytes of
    /// <paramref name="digestOrPrefix"/> (a whole 32-byte digest or just its prefix).
    /// </summary>
    public bool Matches(ReadOnlySpan<byte> digestOrPrefix) =>
        IsPresent && digestOrPrefix.Length >= PrefixLength && BinaryPrimitives.ReadUInt64BigEndian(digestOrPrefix) == _prefix;

    /// <summary>Parses 16 to 64 hex digits (a digest or its prefix; only the first 16 digits are compared).</summary>
    public static bool TryParseHex(ReadOnlySpan<char> hex, out AppAttestation attestation)
    {
        attestation = default;
        if (hex.Length < PrefixLength * 2 || hex.Length > 64 || hex.Length % 2 != 0)
            return false;
        Span<byte> bytes = stackalloc byte[32];
        if (System.Convert.FromHexString(hex, bytes, out _, out int written) != System.Buffers.OperationStatus.Done)
            return false;
        attestation = new AppAttestation(bytes[..written]);
        return true;
    }

    public void WritePrefix(Span<byte> destination) => BinaryPrimitives.WriteUInt64BigEndian(destination, _prefix);

    public bool Equals(AppAttestation other) => IsPresent == other.IsPresent && _prefix == other._prefix;
    public override bool Equals(object? obj) => obj is AppAttestation other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(IsPresent, _prefix);
    public static bool operator ==(AppAttestation left, AppAttestation right) => left.Equals(right);
    public static bool operator !=(AppAttestation left, AppAttestation right) => !left.Equals(right);

    public override string ToString() => IsPresent ? _prefix.ToString("x16") : "none";
}
