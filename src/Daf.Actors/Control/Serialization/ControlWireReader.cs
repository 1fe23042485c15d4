// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using System.Runtime.Serialization;
using System.Text;

namespace Daf.Actors.Control.Serialization;

/// <summary>
/// Reads what <see cref="ControlWireWriter"/> wrote. Every length is checked against the bytes left and
/// against <see cref="ControlWireLimits"/> before use; any violation is a <see cref="SerializationException"/>.
/// </summary>
internal ref struct ControlWireReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private ReadOnlySpan<byte> _rest;
    private readonly string _manifest;

    public ControlWireReader(ReadOnlySpan<byte> bytes, string manifest)
    {
        _rest = bytes;
        _manifest = manifest;
    }

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public bool ReadBoolean() => Take(1)[0] switch
    {
        0 => false,
        1 => true,
        var b => throw Malformed($"boolean byte {b}"),
    };

    public string ReadString() => ReadNullableString() ?? throw Malformed("null where a string is required");

    public string? ReadNullableString()
    {
        var length = ReadInt32();
        if (length == -1) return null;
        if (length < 0) throw Malformed($"string length {length}");
        if (length > ControlWireLimits.MaxStringBytes)
            throw Malformed($"string of {length} bytes exceeds the limit of {ControlWireLimits.MaxStringBytes}");
        var bytes = Take(length);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Malformed("string is not valid UTF-8");
        }
    }

    /// <summary>A list count; <paramref name="minItemBytes"/> lets a lying count fail before allocating.</summary>
    public int ReadCount(int minItemBytes)
    {
        var count = ReadInt32();
        if (count < 0) throw Malformed($"list count {count}");
        if (count > ControlWireLimits.MaxListEntries)
            throw Malformed($"list of {count} entries exceeds the limit of {ControlWireLimits.MaxListEntries}");
        if ((long)count * minItemBytes > _rest.Length)
            throw Malformed($"list of {count} entries is longer than the message");
        return count;
    }

    public readonly void End()
    {
        if (!_rest.IsEmpty) throw Malformed($"{_rest.Length} trailing bytes");
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (_rest.Length < count) throw Malformed("message is truncated");
        var taken = _rest[..count];
        _rest = _rest[count..];
        return taken;
    }

    private readonly SerializationException Malformed(string what) =>
        new($"malformed control message '{_manifest}': {what}");
}
