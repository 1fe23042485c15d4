// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Signatures;

/// <summary>What <see cref="PacketSigner.TrySign(ReadOnlySpan{byte}, Span{byte}, SignatureLocation, ReadOnlySpan{byte}, out int)"/> did.</summary>
public enum SignOutcome : byte
{
    /// <summary>The output holds the signed packet.</summary>
    Signed = 0,
    /// <summary>
    /// The tag does not fit: the signed packet would exceed 65,535 bytes, or the IPv4 options are full (L3;
    /// L4 falls back to L3 by itself). Nothing was written; the caller drops the packet (a verifier would).
    /// </summary>
    NoRoom,
    /// <summary>Not a consistent IPv4/IPv6 packet (lengths disagree with the buffer, options overrun).</summary>
    Malformed,
    /// <summary>A fragment: signatures cover whole datagrams only.</summary>
    Fragment,
    /// <summary>The packet already carries a DAF tag (left as it is).</summary>
    AlreadySigned,
    /// <summary>Outside the wire format: IPv6 jumbogram, over-long extension chain, or a final destination-options header already present.</summary>
    Unsupported,
    /// <summary>The output span is shorter than the packet plus the tag (<see cref="PacketSigner.MaxGrowth"/> always suffices).</summary>
    OutputTooSmall,
}
