// SPDX-License-Identifier: Apache-2.0
using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Daf.Actors.Attribution;
using Daf.Actors.Rules;
using Daf.Interop.Packets;

namespace Daf.Actors.DecisionLog;

/// <summary>
/// The queue reader's side of the decision log, used on its thread only: no formatting, no allocation per
/// packet. A token bucket (<c>--log-rate</c> lines per second, the same burst) decides whether a decision
/// becomes a line; the ones it refuses are only counted. Recorded decisions are copied into a batch taken
/// from a fixed pool (<see cref="PoolSize"/> batches, made once) and handed to the <see cref="DecisionLogActor"/>
/// once per received batch. When the actor has every batch, further lines are suppressed rather than waited
/// for: the log never slows the data plane.
/// </summary>
public sealed class DecisionRecorder
{
    public const int PoolSize = 4;

    private readonly ConcurrentQueue<DecisionBatch> _free = new();
    private readonly TokenBucket _bucket;
    private readonly bool _logAccept;
    private readonly IActorRef _log;
    private readonly int _linesPerSecond;
    private DeferredDecisionLog? _deferred;
    private DecisionBatch? _current;
    private long _suppressed;
    private long _version;

    /// <param name="batchCapacity">At most this many decisions per received batch (the reader's -c).</param>
    public DecisionRecorder(Chain chain, ushort queue, int batchCapacity, int linesPerSecond, bool logAccept, IActorRef log)
    {
        Chain = chain;
        Queue = queue;
        _logAccept = logAccept;
        _log = log;
        _linesPerSecond = linesPerSecond;
        _bucket = new TokenBucket(linesPerSecond, linesPerSecond, Stopwatch.GetTimestamp());
        for (int i = 0; i < PoolSize; i++) _free.Enqueue(new DecisionBatch(batchCapacity, this));
    }

    /// <summary>The same queue's log for packets the attribution actors decide after a deferral.</summary>
    public DeferredDecisionLog Deferred => _deferred ??= new DeferredDecisionLog(Chain, Queue, _linesPerSecond, _logAccept, _log);

    public Chain Chain { get; }
    public ushort Queue { get; }

    /// <summary>Starts a received batch judged by rule-set <paramref name="ruleVersion"/>.</summary>
    public void Begin(long ruleVersion) => _version = ruleVersion;

    /// <summary>Records a decision if it is logged (every DROP; ACCEPT with --log-accept) and the rate allows.</summary>
    public void Record(Verdict verdict, in PacketHeaders headers, int matchedRule, uint packetId, bool hasUid, uint uid)
    {
        if (verdict == Verdict.Accept && !_logAccept) return;
        if (!_bucket.TryTake(Stopwatch.GetTimestamp()))
        {
            _suppressed++;
            return;
        }
        var batch = _current;
        if (batch is null)
        {
            if (!_free.TryDequeue(out batch))
            {
                _suppressed++;
                return;
            }
            _current = batch;
        }
        if (batch.Count == batch.Records.Length)
        {
            _suppressed++;
            return;
        }
        ref var record = ref batch.Records[batch.Count++];
        record.Headers = headers;
        record.Verdict = verdict;
        record.MatchedRule = matchedRule;
        record.PacketId = packetId;
        record.HasUid = hasUid;
        record.Uid = uid;
    }

    /// <summary>Ends a received batch: hands what was recorded (and the suppressed count) to the log actor.</summary>
    public void Flush()
    {
        var batch = _current;
        if (batch is null)
        {
            if (_suppressed == 0 || !_free.TryDequeue(out batch)) return; // the count waits for the next batch
        }
        batch.RuleVersion = _version;
        batch.Suppressed = _suppressed;
        _suppressed = 0;
        _current = null;
        _log.Tell(batch);
    }

    /// <summary>
    /// Ends a received batch by writing its lines on the calling thread (no holders: <c>holders=?</c>): for the reader's
    /// final drain, when the log actor may already be stopped.
    /// </summary>
    public void WriteNow(ILoggingAdapter log)
    {
        var batch = _current;
        _current = null;
        if (batch is not null)
        {
            for (int i = 0; i < batch.Count; i++)
                log.Info("{0}", DecisionLine.Format(batch.Records[i], Chain, Queue, _version, null));
            Return(batch);
        }
        if (_suppressed != 0)
        {
            log.Info("decision log: {0} lines suppressed (rate limit {1} lines/s per queue)", _suppressed, _linesPerSecond);
            _suppressed = 0;
        }
    }

    /// <summary>The log actor is done with <paramref name="batch"/>.</summary>
    public void Return(DecisionBatch batch)
    {
        batch.Clear();
        _free.Enqueue(batch);
    }
}
