// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Akka.Actor;
using Daf.Actors.Attribution;
using Daf.Actors.Rules;
using Daf.Interop.Packets;

namespace Daf.Actors.DecisionLog;

/// <summary>
/// The decision log of one queue's deferred packets: the attribution actors decide them off the reader's thread, so
/// they cannot use its <see cref="DecisionRecorder"/>. Thread-safe (any attribution actor), with a token bucket of its
/// own (<c>--log-rate</c> lines per second, the same burst): the reader's budget stays lock-free. Each line goes to the
/// <see cref="DecisionLogActor"/> as a <see cref="DeferredDecision"/>, which names the holders as for the reader's lines.
/// </summary>
public sealed class DeferredDecisionLog
{
    private readonly Lock _gate = new();
    private readonly TokenBucket _bucket;
    private readonly bool _logAccept;
    private readonly IActorRef _log;
    private long _suppressed;

    public DeferredDecisionLog(Chain chain, ushort queue, int linesPerSecond, bool logAccept, IActorRef log)
    {
        Chain = chain;
        Queue = queue;
        _logAccept = logAccept;
        _log = log;
        _bucket = new TokenBucket(linesPerSecond, linesPerSecond, Stopwatch.GetTimestamp());
    }

    public Chain Chain { get; }
    public ushort Queue { get; }

    /// <summary>Logs a deferred packet's decision if it is logged (every DROP; ACCEPT with --log-accept) and the rate allows.</summary>
    /// <param name="matchedRule">0-based index of the matching rule in rule set <paramref name="ruleVersion"/>, -1: the policy.</param>
    public void Record(Verdict verdict, in PacketHeaders headers, int matchedRule, uint packetId, uint? uid, long ruleVersion)
    {
        if (verdict == Verdict.Accept && !_logAccept) return;
        bool taken;
        lock (_gate) taken = _bucket.TryTake(Stopwatch.GetTimestamp());
        if (!taken)
        {
            Interlocked.Increment(ref _suppressed);
            return;
        }
        var record = new DecisionRecord
        {
            Headers = headers,
            Verdict = verdict,
            MatchedRule = matchedRule,
            PacketId = packetId,
            HasUid = uid.HasValue,
            Uid = uid.GetValueOrDefault(),
        };
        _log.Tell(new DeferredDecision(Chain, Queue, ruleVersion, record, Interlocked.Exchange(ref _suppressed, 0)));
    }
}
