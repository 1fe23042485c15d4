// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Queue;

/// <summary>
/// Per-queue counters. Each field has one writer (the reader or the batcher thread); readers of
/// the statistics see values that are at most a moment old.
/// </summary>
public sealed class QueueCounters
{
    public long Received;
    public long Accepted;
    public long Dropped;
    public long Malformed;
    public long Enobufs;
    /// <summary>Datagrams cut short by the receive buffer (the packet still gets a verdict).</summary>
    public long Truncated;
    public long VerdictMessages;
    public long BatchVerdictMessages;
    /// <summary>sendto calls that carried verdict messages (several messages travel in one datagram).</summary>
    public long VerdictDatagrams;
    /// <summary>Packets whose holders were not all in memory: handed to the attribution actor (reader).</summary>
    public long Deferred;
    /// <summary>Deferred packets later accepted / dropped (attribution actor, interlocked).</summary>
    public long DeferredAccepted;
    public long DeferredDropped;
    /// <summary>Packets that reached an identity rule and were judged without knowing all their holders (interlocked: reader and attribution actor).</summary>
    public long Unattributed;
    /// <summary>Packets whose judging looked up their holders on the reader's hot path (reader).</summary>
    public long IdentityLookups;
    /// <summary>Verdicts that replaced the packet (a signed packet; batcher).</summary>
    public long PayloadVerdictMessages;
    /// <summary>OUTPUT packets accepted and signed (reader; interlocked with the attribution actor for deferred ones).</summary>
    public long Signed;
    /// <summary>Of those, app mode signed in packet mode: the holder was not known, or several applications held the socket.</summary>
    public long SignedWithoutApp;
    /// <summary>Accepted packets dropped because they could not be signed (no room for the tag, malformed, fragment).</summary>
    public long SignFailed;
    /// <summary>Packets whose tag verified (INPUT/FORWARD with -i/-f; reader).</summary>
    public long Verified;
    /// <summary>Packets dropped before the rules: no tag / a tag that does not verify (wrong key, altered) / a replay.</summary>
    public long Unsigned;
    public long Forged;
    public long Replayed;
    /// <summary>How long deferred packets waited for their verdict (attribution actors).</summary>
    public readonly HoldTimes DeferredHold = new();
}
