// SPDX-License-Identifier: Apache-2.0
using System.Security.Cryptography;
using Daf.Interop.Posix;

namespace Daf.Actors.Signatures;

/// <summary>
/// The shared secret(s) of <c>-s/--secret FILE [FILE2]</c>. A key is the file's bytes, exactly (a trailing newline
/// is part of it). The first key signs; verifiers accept both while a rotation lasts. Each key has a one-byte id,
/// the first byte of HMAC-SHA256(key, "DAF-SIG1 key id"), that the tag carries so a verifier picks the key
/// without trying both (on the 1-in-256 chance that two ids collide it tries both).
/// </summary>
public sealed class SigningKeys
{
    /// <summary>Shortest key accepted: 256 bits, the HMAC-SHA256 output length (RFC 2104 advises keys of at least that).</summary>
    public const int MinimumLength = 32;
    /// <summary>Longest key file read; longer files are refused as not being a key.</summary>
    public const int MaximumLength = 4096;

    private SigningKeys(SigningKey primary, SigningKey? secondary)
    {
        Primary = primary;
        Secondary = secondary;
    }

    /// <summary>The key that signs.</summary>
    public SigningKey Primary { get; }
    /// <summary>The rotation key verifiers also accept, or null.</summary>
    public SigningKey? Secondary { get; }

    /// <summary>Reads the key file(s).</summary>
    /// <exception cref="SigningKeyException">A file cannot be read, is shorter than 32 bytes, longer than 4096, not a
    /// regular file, not owned by root, or grants any permission to group or others.</exception>
    public static SigningKeys Load(string path, string? secondPath = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        SigningKey primary = new(ReadKeyFile(path));
        SigningKey? secondary = secondPath is null ? null : new SigningKey(ReadKeyFile(secondPath));
        return new SigningKeys(primary, secondary);
    }

    /// <summary>Keys from bytes (tests, test vectors); the same length rules as <see cref="Load"/>.</summary>
    public static SigningKeys FromBytes(ReadOnlySpan<byte> primary, ReadOnlySpan<byte> secondary = default)
    {
        CheckLength(primary.Length, "primary key");
        if (!secondary.IsEmpty)
            CheckLength(secondary.Length, "secondary key");
        return new SigningKeys(new SigningKey(primary.ToArray()), secondary.IsEmpty ? null : new SigningKey(secondary.ToArray()));
    }

    private static void CheckLength(int length, string name)
    {
        if (length < MinimumLength)
            throw new SigningKeyException($"{name}: {length} bytes, a key needs at least {MinimumLength}");
        if (length > MaximumLength)
            throw new SigningKeyException($"{name}: {length} bytes, more than the {MaximumLength} a key file may hold");
    }

    private static byte[] ReadKeyFile(string path)
    {
        if (!ReadOnlyFile.TryOpen(path, out ReadOnlyFile? file, out PosixError error))
            throw new SigningKeyException($"{path}: {error}");
        using (file)
        {
            if (!file!.TryGetStatus(out FileStatus status, out error))
                throw new SigningKeyException($"{path}: {error}");
            if (!status.IsRegularFile)
                throw new SigningKeyException($"{path}: not a regular file");
            if (status.OwnerUid != 0)
                throw new SigningKeyException($"{path}: owned by uid {status.OwnerUid}, a key file must belong to root (chown root {path})");
            if ((status.Mode & 0x3F) != 0) // 077: any group or other permission
                throw new SigningKeyException(
                    $"{path}: mode {Convert.ToString(status.Mode & 0xFFF, 8)} lets group or others reach the key (chmod 600 {path})");
            if (status.Size > MaximumLength)
                throw new SigningKeyException($"{path}: {status.Size} bytes, more than the {MaximumLength} a key file may hold");
            var buffer = new byte[MaximumLength + 1];
            int total = 0;
            while (total < buffer.Length)
            {
                int n = file.Read(buffer.AsSpan(total));
                if (n == 0)
                    break;
                total += n;
            }
            CheckLength(total, path);
            byte[] key = buffer.AsSpan(0, total).ToArray();
            CryptographicOperations.ZeroMemory(buffer);
            return key;
        }
    }
}
