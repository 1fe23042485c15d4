// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Namespaces;

namespace Daf.Actors.Rules;

/// <summary>
/// The rules of another network namespace than the daemon's, compiled with the daemon's snapshot (same version).
/// </summary>
/// <param name="Inode">The namespace's inode.</param>
/// <param name="File">The namespace file the rule store holds open for it (to make a socket locator inside it with
/// setns); null when the binding is not a file (tests). It may be closed once the rules naming it are gone.</param>
/// <param name="Rules">The snapshot judging the packets whose socket lives in that namespace.</param>
public sealed record NamespaceRuleSnapshot(ulong Inode, NamespaceFile? File, RuleSnapshot Rules);
