// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.Event;
using Daf.Actors.Supervision;
using Daf.Actors.Identity;
using Daf.Actors.Rules;

namespace Daf.Actors.Tracking;

/// <summary>
/// Runs the holder tracker (and through it the per-process scanners) only while some rule has identity criteria:
/// following every process of the machine costs CPU and memory that a rule set of addresses and ports never needs.
/// Watches <see cref="RulesChanged"/>: the first identity rule starts a tracker (which walks /proc and subscribes to
/// the eBPF reader), the last one's removal stops it. <see cref="FindSocketHolders"/> requests are forwarded to the
/// running tracker and dropped when none runs (no identity rule, nothing to attribute). <see cref="PrepareTracking"/>
/// (the rule store, holding the first rule with identity criteria; app-fw before it says it is ready) starts the tracker
/// ahead of the rules and is answered once it follows processes, so that the rule judges no packet before then.
/// </summary>
public sealed partial class IdentityTrackingActor : ReceiveActor
{
    private readonly RuleSnapshotHolder _rules;
    private readonly ProcessImageStore _images;
    private readonly Func<TrackingReadiness, Props> _trackerProps;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef? _tracker;
    /// <summary>The running tracker's; null for one adopted after a restart (it ran before: ready).</summary>
    private TrackingReadiness? _readiness;
    private int _started;
    private readonly bool _alwaysTrack;

    public IdentityTrackingActor(RuleSnapshotHolder rules, ProcessImageStore images, Func<Props> trackerProps)
        : this(rules, images, trackerProps, alwaysTrack: false)
    {
    }

    /// <summary>A tracker that does not report readiness counts as ready once started.</summary>
    public IdentityTrackingActor(RuleSnapshotHolder rules, ProcessImageStore images, Func<Props> trackerProps, bool alwaysTrack)
        : this(rules, images, ReadyOnStart(trackerProps), alwaysTrack)
    {
    }

    /// <param name="trackerProps">A tracker that completes the given readiness once it follows processes.</param>
    /// <param name="alwaysTrack">Track holders whatever the rules (app-mode signing attests every OUTPUT packet's holder).</param>
    public IdentityTrackingActor(RuleSnapshotHolder rules, ProcessImageStore images, Func<TrackingReadiness, Props> trackerProps, bool alwaysTrack)
    {
        _alwaysTrack = alwaysTrack;
        _rules = rules;
        _images = images;
        _trackerProps = trackerProps;
        Receive<RulesChanged>(_ => Reconcile());
        Receive<PrepareTracking>(OnPrepare);
        Receive<FindSocketHolders>(request => _tracker?.Forward(request));
        Receive<RefreshProcessImage>(request => _tracker?.Forward(request));
        Receive<GetHolderTrackerStats>(request =>
        {
            if (_tracker is null) Sender.Tell(new Status.Failure(new InvalidOperationException("no identity rule: holders are not tracked")));
            else _tracker.Forward(request);
        });
    }

    public static Props Props(RuleSnapshotHolder rules, ProcessImageStore images, Func<Props> trackerProps) =>
        Props(rules, images, trackerProps, alwaysTrack: false);

    public static Props Props(RuleSnapshotHolder rules, ProcessImageStore images, Func<Props> trackerProps, bool alwaysTrack) =>
        Akka.Actor.Props.Create(() => new IdentityTrackingActor(rules, images, trackerProps, alwaysTrack));

    public static Props Props(RuleSnapshotHolder rules, ProcessImageStore images, Func<TrackingReadiness, Props> trackerProps, bool alwaysTrack) =>
        Akka.Actor.Props.Create(() => new IdentityTrackingActor(rules, images, trackerProps, alwaysTrack));

    private static Func<TrackingReadiness, Props> ReadyOnStart(Func<Props> trackerProps) => readiness =>
    {
        readiness.MarkReady(false);
        return trackerProps();
    };

    /// <summary>True while a tracker runs (for tests and statistics).</summary>
    public bool Tracking => _tracker is not null;

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(RulesChanged));
        // After a restart the running tracker survives (PreRestart) with its scanners and the images they published.
        foreach (var child in Context.GetChildren())
            _tracker = child;
        Reconcile();
    }

    /// <summary>The tracker is restarted on any failure or kill; it keeps its scanners (see <see cref="SocketHolderTrackerActor"/>).</summary>
    protected override SupervisorStrategy SupervisorStrategy() => DafSupervision.RestartOnFailure();

    /// <summary>Keeps the tracker: stopping it would withdraw every image, a window in which DROP-by-identity rules could not match.</summary>
    protected override void PreRestart(Exception reason, object message)
    {
        _log.Error(reason, "identity tracking failed; restarting, the holder tracker keeps running");
        Context.System.EventStream.Unsubscribe(Self);
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);

    private void Reconcile()
    {
        bool wanted = _alwaysTrack || _rules.Current.IdentityRuleCountAnywhere > 0;
        if (wanted && _tracker is null)
        {
            StartTracker();
            _log.Info("identity rules present: tracking socket holders");
        }
        else if (!wanted && _tracker is not null)
        {
            // A tracker started for a held rule change stops here too when that change never came (refused).
            Context.Stop(_tracker);
            _tracker = null;
            _readiness = null;
            _log.Info("no identity rule left: socket holders no longer tracked");
        }
    }

    /// <summary>
    /// Starts the tracker ahead of the rules that need it; the answer comes once it follows processes. The rule store
    /// bounds its wait: a tracker that never gets ready holds nothing forever.
    /// </summary>
    private void OnPrepare(PrepareTracking prepare)
    {
        if (_tracker is null)
        {
            StartTracker();
            _log.Info("a rule change with identity criteria waits for it: tracking socket holders");
        }
        long id = prepare.Id;
        if (_readiness is null)
            Sender.Tell(new TrackingPrepared(id, true));
        else
            _readiness.Ready.PipeTo(Sender, Self, events => new TrackingPrepared(id, events));
    }

    private void StartTracker()
    {
        // Images of an earlier run may belong to pids reused since: start from nothing.
        _images.Clear();
        _readiness = new TrackingReadiness();
        _tracker = Context.ActorOf(_trackerProps(_readiness), $"holders-{++_started}");
    }
}
