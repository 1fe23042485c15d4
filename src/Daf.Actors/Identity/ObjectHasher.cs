// SPDX-License-Identifier: Apache-2.0
using System.Buffers;
using System.Security.Cryptography;
using Daf.Actors.Rules;
using Daf.Interop.Posix;

namespace Daf.Actors.Identity;

/// <summary>
/// Hashes an open file's content with a pooled buffer, checking that it is a regular file within the size
/// limit (a device or FIFO would never end) and that it did not change while it was read.
/// </summary>
internal static class ObjectHasher
{
    private const int BufferSize = 256 * 1024;
    private const int Attempts = 2;

    /// <summary>
    /// Hashes <paramref name="file"/>, whose fstat gave <paramref name="status"/>. On success
    /// <paramref name="status"/> is the version that was hashed (re-checked after reading).
    /// </summary>
    public static ObjectDigestResult Hash(ReadOnlyFile file, ref FileStatus status, long maxSize, out long bytesHashed)
    {
        bytesHashed = 0;
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            if (!status.IsRegularFile)
                return ObjectDigestResult.Failure($"not a regular file (mode {Convert.ToString(status.Mode, 8)})");
            if (status.Size > maxSize)
                return ObjectDigestResult.Failure($"larger than the hashing limit ({status.Size} > {maxSize} bytes)");

            Sha256Digest digest;
            try
            {
                if (!TryHashContent(file, status.Size, out digest, ref bytesHashed))
                    return ObjectDigestResult.Failure($"{file.Name}: shorter than fstat said ({status.Size} bytes): changed while hashed");
            }
            catch (PosixException e)
            {
                return ObjectDigestResult.Failure(e.Message);
            }
            if (!file.TryGetStatus(out FileStatus after, out PosixError error))
                return ObjectDigestResult.Failure(error.ToString());
            if (ObjectKey.From(after) == ObjectKey.From(status))
                return ObjectDigestResult.Success(digest);
            status = after;
        }
        return ObjectDigestResult.Failure($"{file.Name}: changed while it was hashed");
    }

    private static bool TryHashContent(ReadOnlyFile file, long size, out Sha256Digest digest, ref long bytesHashed)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long offset = 0;
            while (offset < size)
            {
                int count = file.ReadAt(buffer.AsSpan(0, (int)Math.Min(buffer.Length, size - offset)), offset);
                if (count == 0)
                {
                    digest = default;
                    return false;
                }
                hash.AppendData(buffer, 0, count);
                offset += count;
                bytesHashed += count;
            }
            Span<byte> result = stackalloc byte[Sha256Digest.Size];
            hash.GetHashAndReset(result);
            digest = Sha256Digest.FromBytes(result);
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
