// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Interop.Netlink;

/// <summary>
/// Walks a run of netlink attributes. An attribute whose nla_len runs past the end yields the bytes that
/// are there, marked truncated, and ends the walk; an nla_len below 4 ends it as malformed.
/// </summary>
public ref struct NlAttrReader
{
    private readonly ReadOnlySpan<byte> _attributes;
    private int _offset;

    public NlAttrReader(ReadOnlySpan<byte> attributes)
    {
        _attributes = attributes;
        _offset = 0;
    }

    public bool Malformed { get; private set; }

    /// <summary>The value length the last attribute's nla_len declares (more than its value's length when truncated).</summary>
    public int DeclaredValueLength { get; private set; }

    /// <summary>Reads the next attribute: its type (flags masked off), value, and the value's offset in the run.</summary>
    public bool TryRead(out ushort type, out ReadOnlySpan<byte> value, out int valueOffset, out bool truncated)
    {
        type = 0;
        value = default;
        valueOffset = 0;
        truncated = false;
        int remaining = _attributes.Length - _offset;
        if (remaining < NlAttr.HeaderSize)
        {
            Malformed |= remaining > 0;
            _offset = _attributes.Length;
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16LittleEndian(_attributes[_offset..]);
        if (length < NlAttr.HeaderSize)
        {
            Malformed = true;
            _offset = _attributes.Length;
            return false;
        }

        DeclaredValueLength = length - NlAttr.HeaderSize;
        type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(_attributes[(_offset + 2)..]) & NlAttr.NLA_TYPE_MASK);
        truncated = length > remaining;
        int available = truncated ? remaining : length;
        valueOffset = _offset + NlAttr.HeaderSize;
        value = _attributes.Slice(valueOffset, available - NlAttr.HeaderSize);
        _offset = truncated ? _attributes.Length : Math.Min(_attributes.Length, _offset + NlAttr.Align(length));
        return true;
    }
}
