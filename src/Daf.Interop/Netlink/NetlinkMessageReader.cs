// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Interop.Netlink;

/// <summary>
/// Walks the netlink messages of one datagram (NLMSG_OK / NLMSG_NEXT). Never reads outside the datagram:
/// a header shorter than 16 bytes or an nlmsg_len below 16 ends the walk; an nlmsg_len past the end yields
/// the remaining bytes once, marked truncated.
/// </summary>
public ref struct NetlinkMessageReader
{
    private readonly ReadOnlySpan<byte> _datagram;
    private int _offset;

    public NetlinkMessageReader(ReadOnlySpan<byte> datagram)
    {
        _datagram = datagram;
        _offset = 0;
    }

    /// <summary>True when the walk stopped at bytes that are not a valid message.</summary>
    public bool Malformed { get; private set; }

    public bool TryRead(out NetlinkMessage message)
    {
        int remaining = _datagram.Length - _offset;
        if (remaining < NlMsgHdr.Size)
        {
            Malformed |= remaining > 0;
            _offset = _datagram.Length;
            message = default;
            return false;
        }

        ReadOnlySpan<byte> header = _datagram.Slice(_offset, NlMsgHdr.Size);
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (length < NlMsgHdr.Size)
        {
            Malformed = true;
            _offset = _datagram.Length;
            message = default;
            return false;
        }

        bool truncated = length > (uint)remaining;
        int available = truncated ? remaining : (int)length;
        message = new NetlinkMessage(
            BinaryPrimitives.ReadUInt16LittleEndian(header[4..]),
            BinaryPrimitives.ReadUInt16LittleEndian(header[6..]),
            BinaryPrimitives.ReadUInt32LittleEndian(header[8..]),
            _offset,
            _datagram.Slice(_offset, available),
            truncated);
        _offset = truncated ? _datagram.Length : Math.Min(_datagram.Length, _offset + NlMsgHdr.Align(available));
        return true;
    }
}
