// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Signatures;

/// <summary>What <see cref="PacketVerifier.Verify(ReadOnlySpan{byte}, out AppAttestation)"/> found. Only <see cref="Valid"/> is accepted.</summary>
public enum VerifyOutcome : byte
{
    /// <summary>The tag is authentic for this packet and its counter was not seen before.</summary>
    Valid = 0,
    /// <summary>No DAF tag in the packet.</summary>
    Unsigned,
    /// <summary>Not a consistent IPv4/IPv6 packet.</summary>
    Malformed,
    /// <summary>A fragment: verifiers need reassembled packets (conntrack's defragmentation provides them).</summary>
    Fragment,
    /// <summary>The MAC does not match: the packet or its tag was changed, or the tag was moved from another packet.</summary>
    BadTag,
    /// <summary>The counter was already accepted from this signer, or is older than the replay window.</summary>
    Replayed,
    /// <summary>No key has the tag's key id.</summary>
    UnknownKey,
    /// <summary>A DAF option with a version, mode or length this verifier does not know.</summary>
    UnknownVersion,
    /// <summary>Outside the wire format (IPv6 jumbogram, over-long extension chain).</summary>
    Unsupported,
}
