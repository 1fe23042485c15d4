// SPDX-License-Identifier: Apache-2.0
using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Daf.Actors.Control.Serialization;

/// <summary>
/// Writes the control protocol's fields: little-endian fixed-width integers, strings as an int32 UTF-8
/// byte length (-1 for null) followed by the bytes, lists as an int32 count followed by the items.
/// </summary>
internal sealed class ControlWireWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void WriteBoolean(bool value)
    {
        _buffer.GetSpan(1)[0] = value ? (byte)1 : (byte)0;
        _buffer.Advance(1);
    }

    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteInt32(-1);
            return;
        }
        var length = Encoding.UTF8.GetByteCount(value);
        if (length > ControlWireLimits.MaxStringBytes)
            throw new System.Runtime.Serialization.SerializationException(
                $"control message string of {length} bytes exceeds the limit of {ControlWireLimits.MaxStringBytes}");
        WriteInt32(length);
        var written = Encoding.UTF8.GetBytes(value, _buffer.GetSpan(length));
        _buffer.Advance(written);
    }

    public void WriteCount(int count)
    {
        if (count > ControlWireLimits.MaxListEntries)
            throw new System.Runtime.Serialization.SerializationException(
                $"control message list of {count} entries exceeds the limit of {ControlWireLimits.MaxListEntries}");
        WriteInt32(count);
    }

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
}
