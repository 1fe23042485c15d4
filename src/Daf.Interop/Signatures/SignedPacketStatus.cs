// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Signatures;

/// <summary>What <see cref="SignedPacketParser.Parse"/> found.</summary>
public enum SignedPacketStatus : byte
{
    Ok = 0,
    /// <summary>Not a consistent IPv4/IPv6 packet: lengths disagree with the buffer, or options run past their header.</summary>
    Malformed,
    /// <summary>An IPv4 or IPv6 fragment: only a reassembled packet can be signed or verified.</summary>
    Fragment,
    /// <summary>Well-formed, but outside what the wire format covers (IPv6 jumbogram, over-long extension chain).</summary>
    Unsupported,
}
