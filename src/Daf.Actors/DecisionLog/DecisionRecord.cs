// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;
using Daf.Interop.Packets;

namespace Daf.Actors.DecisionLog;

/// <summary>One decision as the reader saw it: copied by value into a pooled <see cref="DecisionBatch"/>, formatted later.</summary>
public struct DecisionRecord
{
    public PacketHeaders Headers;
    public Verdict Verdict;
    /// <summary>0-based index of the matching rule in its chain, or -1 for the chain's policy.</summary>
    public int MatchedRule;
    public uint PacketId;
    public bool HasUid;
    public uint Uid;
}
