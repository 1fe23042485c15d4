// SPDX-License-Identifier: Apache-2.0
using System.Security.Cryptography;
using Daf.Interop.Signatures;

namespace Daf.Actors.Signatures;

/// <summary>One HMAC key and its one-byte id.</summary>
public sealed class SigningKey
{
    internal SigningKey(byte[] secret)
    {
        Secret = secret;
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(secret, "DAF-SIG1 key id"u8, mac);
        Id = mac[0];
    }

    /// <summary>The id the tag carries (offset <see cref="SignatureWire.KeyIdOffset"/>).</summary>
    public byte Id { get; }

    internal byte[] Secret { get; }
}
