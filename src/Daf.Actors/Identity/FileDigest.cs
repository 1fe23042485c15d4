// SPDX-License-Identifier: Apache-2.0
using System.Security.Cryptography;
using Daf.Actors.Rules;

namespace Daf.Actors.Identity;

/// <summary>The SHA-256 of a file's content, as sha256sum prints it.</summary>
public static class FileDigest
{
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    public static Sha256Digest Compute(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.SequentialScan);
        return Sha256Digest.FromBytes(SHA256.HashData(file));
    }
}
