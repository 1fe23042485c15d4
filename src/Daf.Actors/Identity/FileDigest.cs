// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;

namespace Daf.Actors.Identity;

/// <summary>A file hashed by path (<c>ctl-fw -H PATH</c>): its digest, or why it has none.</summary>
public sealed record FileDigest(string Path, Sha256Digest? Digest, string? Error);
