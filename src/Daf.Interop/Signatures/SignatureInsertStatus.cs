// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Signatures;

/// <summary>Result of <see cref="SignatureTagWriter.TryInsert"/>.</summary>
public enum SignatureInsertStatus : byte
{
    Ok = 0,
    /// <summary>The carrier does not apply to this packet (IPv4 option on IPv6, TCP option on UDP or a cut TCP header).</summary>
    WrongCarrier,
    /// <summary>The IPv4 options (40 bytes) or TCP options (40 bytes) have no room left for the tag.</summary>
    NoOptionRoom,
    /// <summary>The signed packet would exceed 65,535 bytes (IPv4 total length / IPv6 payload length).</summary>
    TooLong,
    /// <summary>The IPv6 packet already ends its extension chain with a destination-options header.</summary>
    Unsupported,
    OutputTooSmall,
}
