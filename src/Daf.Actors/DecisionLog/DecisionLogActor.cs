// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.Event;

namespace Daf.Actors.DecisionLog;

/// <summary>
/// Writes the decision log: one <see cref="DecisionLine"/> per recorded decision (the readers' batches and the
/// attribution actors' <see cref="DeferredDecision"/>s), with the holders the identity path knows, off the readers' threads. Lines the readers' rate limit suppressed are summed and
/// reported at most once a second (<c>decision log: N lines suppressed ...</c>); the one-shot timer runs only
/// while there is something to report, so an idle daemon stays idle.
/// Supervision: default (restarted); a restart loses at most the suppressed count not yet reported.
/// </summary>
public sealed class DecisionLogActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan SummaryInterval = TimeSpan.FromSeconds(1);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly List<(int Pid, string Executable)> _holders = [];
    private readonly int _linesPerSecond;
    private long _suppressed;

    public ITimerScheduler Timers { get; set; } = null!;

    public DecisionLogActor(IDecisionHolders? holders, int linesPerSecond)
    {
        _linesPerSecond = linesPerSecond;
        Receive<DecisionBatch>(batch =>
        {
            try
            {
                for (int i = 0; i < batch.Count; i++)
                {
                    ref readonly var record = ref batch.Records[i];
                    _holders.Clear();
                    bool known = holders is not null && holders.TryDescribe(batch.Chain, record.Headers, _holders);
                    _log.Info("{0}", DecisionLine.Format(record, batch.Chain, batch.Queue, batch.RuleVersion, known ? _holders : null));
                }
                Suppressed(batch.Suppressed);
            }
            finally
            {
                batch.Owner.Return(batch);
            }
        });
        Receive<DeferredDecision>(decision =>
        {
            _holders.Clear();
            bool known = holders is not null && holders.TryDescribe(decision.Chain, decision.Record.Headers, _holders);
            _log.Info("{0}", DecisionLine.Format(decision.Record, decision.Chain, decision.Queue, decision.RuleVersion, known ? _holders : null));
            Suppressed(decision.Suppressed);
        });
        Receive<ReportSuppressed>(_ => ReportAndReset());
    }

    public static Props Props(IDecisionHolders? holders, int linesPerSecond) =>
        Akka.Actor.Props.Create(() => new DecisionLogActor(holders, linesPerSecond));

    private void Suppressed(long count)
    {
        if (count == 0) return;
        _suppressed += count;
        if (!Timers.IsTimerActive(ReportSuppressed.Instance))
            Timers.StartSingleTimer(ReportSuppressed.Instance, ReportSuppressed.Instance, SummaryInterval);
    }

    private void ReportAndReset()
    {
        if (_suppressed == 0) return;
        _log.Info("decision log: {0} lines suppressed (rate limit {1} lines/s per queue)", _suppressed, _linesPerSecond);
        _suppressed = 0;
    }

    protected override void PostStop() => ReportAndReset();

    private sealed class ReportSuppressed
    {
        public static readonly ReportSuppressed Instance = new();
    }
}
