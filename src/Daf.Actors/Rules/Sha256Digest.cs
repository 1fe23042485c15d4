// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Actors.Rules;

/// <summary>A SHA-256 digest as four big-endian 64-bit words: a value type with value equality, cheap to index.</summary>
public readonly record struct Sha256Digest(ulong Word0, ulong Word1, ulong Word2, ulong Word3)
{
    public const int Size = 32;

    public static Sha256Digest FromBytes(ReadOnlySpan<byte> digest)
    {
        if (digest.Length != Size)
            throw new ArgumentException($"a SHA-256 digest is {Size} bytes, got {digest.Length}", nameof(digest));
        return new(BinaryPrimitives.ReadUInt64BigEndian(digest), BinaryPrimitives.ReadUInt64BigEndian(digest[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(digest[16..]), BinaryPrimitives.ReadUInt64BigEndian(digest[24..]));
    }

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, Word0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], Word1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], Word2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], Word3);
    }

    /// <summary>Parses 64 hexadecimal digits (either case), as sha256sum prints them.</summary>
    public static bool TryParse(string text, out Sha256Digest digest, out string? error)
    {
        digest = default;
        error = null;
        Span<byte> bytes = stackalloc byte[Size];
        if (text.Length != Size * 2 || Convert.FromHexString(text, bytes, out _, out _) != System.Buffers.OperationStatus.Done)
        {
            error = $"bad SHA-256 digest '{text}': expected {Size * 2} hexadecimal digits";
            return false;
        }
        digest = FromBytes(bytes);
        return true;
    }

    /// <summary>Lower-case hexadecimal, as sha256sum prints it.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
