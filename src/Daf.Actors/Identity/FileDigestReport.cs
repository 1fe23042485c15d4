// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;

namespace Daf.Actors.Identity;

/// <summary>Files hashed by path, in the order given, and the <see cref="AggregateDigest"/> of those that were hashed.</summary>
public sealed record FileDigestReport(IReadOnlyList<FileDigest> Files, Sha256Digest Aggregate)
{
    public bool AllHashed => Files.All(file => file.Digest.HasValue);
}
