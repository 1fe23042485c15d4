// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Signatures;

/// <summary>Where the parts a signature touches sit in one IP packet (offsets from the start of the packet).</summary>
public struct SignedPacketLayout
{
    /// <summary>4 or 6.</summary>
    public byte IpVersion;
    /// <summary>The upper-layer protocol (for IPv6, after the extension headers).</summary>
    public byte Protocol;
    /// <summary>IPv4: the IHL in bytes. IPv6: 40.</summary>
    public int IpHeaderLength;
    /// <summary>Offset of the byte naming the upper-layer protocol (IPv4: 9; IPv6: the last next-header field).</summary>
    public int NextHeaderFieldOffset;
    /// <summary>True when the IPv6 header before the upper layer is already a destination-options header.</summary>
    public bool HasFinalDestinationOptions;
    public int UpperLayerOffset;
    public int UpperLayerLength;
    /// <summary>Absolute offset of the upper layer's checksum field (TCP, UDP, UDP-Lite, ICMP, ICMPv6), or -1.</summary>
    public int ChecksumOffset;
    /// <summary>The TCP header length (data offset x 4) when the packet holds a whole valid TCP header; 0 otherwise.</summary>
    public int TcpHeaderLength;
    /// <summary>The first tag found (IP layer first, then TCP), or <see cref="SignatureCarrier.None"/>.</summary>
    public SignatureCarrier Carrier;
    /// <summary>Offset of the tag body (after the option type and length bytes), or -1.</summary>
    public int TagBodyOffset;
    /// <summary>Length of the tag body: <see cref="SignatureWire.PacketBodyLength"/> or <see cref="SignatureWire.AppBodyLength"/>.</summary>
    public int TagBodyLength;
    /// <summary>True when a DAF option was found whose length or version/mode byte is not one this code knows.</summary>
    public bool HasUnknownTag;
}
