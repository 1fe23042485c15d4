// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;

namespace Daf.Actors.Identity;

/// <summary>The SHA-256 of an object, or why it could not be computed.</summary>
public readonly record struct ObjectDigestResult(Sha256Digest? Digest, string? Error)
{
    public static ObjectDigestResult Success(Sha256Digest digest) => new(digest, null);

    public static ObjectDigestResult Failure(string error) => new(null, error);
}
