// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Signatures;

/// <summary>
/// Where a packet signature is carried (<c>-l/--sig-loc</c>). The default is <see cref="L3"/>: it fits every
/// protocol, while <see cref="L4"/> (a TCP option) applies to TCP only and falls back to L3 when the TCP
/// option space is full (SYNs with timestamps) or the packet is not TCP. See docs/signatures.md.
/// </summary>
public enum SignatureLocation : byte
{
    /// <summary>An IPv4 option or an IPv6 destination-options header.</summary>
    L3 = 3,
    /// <summary>A TCP option.</summary>
    L4 = 4,
}
