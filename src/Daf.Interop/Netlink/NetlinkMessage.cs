// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Netlink;

/// <summary>One netlink message inside a received datagram.</summary>
public readonly ref struct NetlinkMessage
{
    public NetlinkMessage(ushort type, ushort flags, uint sequence, int offset, ReadOnlySpan<byte> message, bool truncated)
    {
        Type = type;
        Flags = flags;
        Sequence = sequence;
        Offset = offset;
        Bytes = message;
        Truncated = truncated;
    }

    /// <summary>nlmsg_type.</summary>
    public ushort Type { get; }
    /// <summary>nlmsg_flags.</summary>
    public ushort Flags { get; }
    /// <summary>nlmsg_seq.</summary>
    public uint Sequence { get; }
    /// <summary>Where the header starts inside the datagram.</summary>
    public int Offset { get; }
    /// <summary>The whole message, header included (shorter than nlmsg_len when <see cref="Truncated"/>).</summary>
    public ReadOnlySpan<byte> Bytes { get; }
    /// <summary>The datagram ended before nlmsg_len bytes (receive buffer too small).</summary>
    public bool Truncated { get; }
    /// <summary>What follows the header.</summary>
    public ReadOnlySpan<byte> Payload => Bytes[NlMsgHdr.Size..];
}
