// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Rules;

/// <summary>The outcome of trying one chain's rules (or one rule) on a packet.</summary>
internal enum RuleMatch : byte
{
    NoMatch,
    Match,
    /// <summary>A rule with identity criteria was reached and the packet's holders are not all in memory yet.</summary>
    Deferred,
}
