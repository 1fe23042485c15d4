// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Signatures;

/// <summary>Where a tag travels in a packet.</summary>
public enum SignatureCarrier : byte
{
    None = 0,
    /// <summary>IPv4 option <see cref="SignatureWire.IPOPT_DAF_SIG"/>.</summary>
    Ipv4Option = 1,
    /// <summary>Option <see cref="SignatureWire.IPV6_TLV_DAF_SIG"/> in an IPv6 destination-options header before the upper layer.</summary>
    Ipv6DestinationOptions = 2,
    /// <summary>TCP option <see cref="SignatureWire.TCPOPT_DAF_SIG"/>.</summary>
    TcpOption = 3,
}
