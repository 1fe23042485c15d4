// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Interop.Netlink;

/// <summary>
/// Builds netlink messages into a caller-supplied buffer (usually stackalloc): begin a message, append the
/// family header and attributes, end it to fix nlmsg_len. Several messages may share one datagram.
/// </summary>
public ref struct NetlinkMessageWriter
{
    private readonly Span<byte> _buffer;
    private int _messageStart;
    private int _position;

    public NetlinkMessageWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _messageStart = -1;
        _position = 0;
    }

    /// <summary>The complete messages written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[.._position];

    public void BeginMessage(ushort type, ushort flags, uint sequence)
    {
        if (_messageStart >= 0)
            throw new InvalidOperationException("The previous netlink message was not ended.");
        _messageStart = _position;
        NlMsgHdr.Write(_buffer[_position..], NlMsgHdr.Size, type, flags, sequence, 0);
        _position += NlMsgHdr.Size;
    }

    /// <summary>Appends struct nfgenmsg (NFNETLINK_V0).</summary>
    public void AppendNfGenMsg(byte family, ushort resourceId)
    {
        NfGenMsg.Write(_buffer[_position..], family, resourceId);
        _position += NfGenMsg.Size;
    }

    /// <summary>Appends an attribute and returns its (zeroed) value to fill in.</summary>
    public Span<byte> AppendAttribute(ushort type, int valueLength)
    {
        Span<byte> value = NlAttr.Write(_buffer[_position..], type, valueLength, out int written);
        _position += written;
        return value;
    }

    public void AppendUInt32BigEndian(ushort type, uint value) =>
        BinaryPrimitives.WriteUInt32BigEndian(AppendAttribute(type, sizeof(uint)), value);

    public void EndMessage()
    {
        if (_messageStart < 0)
            throw new InvalidOperationException("No netlink message was begun.");
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer[_messageStart..], (uint)(_position - _messageStart));
        _messageStart = -1;
    }
}
