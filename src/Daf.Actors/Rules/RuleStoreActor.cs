// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.Event;
using Daf.Actors.Control;
using Daf.Actors.Identity;
using Daf.Actors.Tracking;
using Daf.Interop.Posix;

namespace Daf.Actors.Rules;

/// <summary>
/// Owns the rule set and serves ctl-fw's requests (<see cref="IControlRequest"/>, relayed by the control
/// endpoint). Every accepted change gets the next version, is compiled into a new immutable
/// <see cref="RuleSnapshot"/>, saved to <c>STATE_DIR/rules</c> and then published through the
/// <see cref="RuleSnapshotHolder"/>, which the queue readers read once per batch. A change that cannot be
/// parsed, applied or saved is refused whole (<see cref="RequestRefused"/>) and changes nothing.
/// Requests are handled one at a time, so concurrent callers' changes never lose one another;
/// <see cref="DescribeProcess"/> alone is answered from the thread pool (hashing can take long).
/// The first rule set with identity criteria (no rule in force has any) is held until process tracking runs
/// (<see cref="PrepareTracking"/> to the identity actor, at most <see cref="RuleStoreSettings.TrackingWait"/>, then applied
/// anyway with a warning): a rule judging by identity before the probe follows processes would miss the short-lived
/// senders of that moment. The caller is answered once the change is in force; requests arriving meanwhile are stashed
/// and handled afterwards, in order.
/// Supervision: restarted by the guardian on failure or kill (<c>DafSupervision</c>). Its state (rule set, version, namespace bindings) lives in objects the
/// daemon owns (<see cref="RuleSetCell"/>, <see cref="RuleStoreSettings"/>), so a restart loses nothing; a held change
/// and the requests stashed behind it are handled again by the new instance, in order.
/// </summary>
public sealed partial class RuleStoreActor : UntypedActor, IWithUnboundedStash, IWithTimers
{
    private const string HoldTimer = "tracking-hold";

    private readonly RuleSnapshotHolder _holder;
    private readonly RuleSetCell _cell;
    private readonly RuleStoreSettings _settings;
    private readonly IActorRef? _tracking;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private HeldChange? _held;
    private long _holds;

    public RuleStoreActor(RuleSnapshotHolder holder, RuleSetCell cell, RuleStoreSettings settings)
        : this(holder, cell, settings, tracking: null)
    {
    }

    /// <param name="tracking">The identity actor, asked to prepare tracking before identity rules take effect; null: never held.</param>
    public RuleStoreActor(RuleSnapshotHolder holder, RuleSetCell cell, RuleStoreSettings settings, IActorRef? tracking)
    {
        _holder = holder;
        _cell = cell;
        _settings = settings;
        _tracking = tracking;
    }

    public IStash Stash { get; set; } = null!;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(RuleSnapshotHolder holder, RuleSetCell cell, RuleStoreSettings settings) =>
        Akka.Actor.Props.Create(() => new RuleStoreActor(holder, cell, settings));

    public static Props Props(RuleSnapshotHolder holder, RuleSetCell cell, RuleStoreSettings settings, IActorRef? tracking) =>
        Akka.Actor.Props.Create(() => new RuleStoreActor(holder, cell, settings, tracking));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ChangeRules change:
                Settle(Change(change), change, replace: false);
                break;
            case RestoreRules restore:
                Settle(Restore(restore), restore, replace: false);
                break;
            case ListRules list:
                Sender.Tell(List(list.Chain));
                break;
            case SaveRules:
                Sender.Tell(List(null));
                break;
            case DescribeProcess describe:
                Describe(describe);
                break;
            case ReplaceRules replace:
                Settle(new PendingChange(replace.Rules, _settings.Namespaces.Stage(), null, "replace"), replace, replace: true);
                break;
            case GetRules:
                Sender.Tell(new CurrentRules(_cell.Version, _cell.Rules));
                break;
            case TrackingPrepared or HoldExpired:
                break; // of a hold a restart ended
            default:
                Unhandled(message);
                break;
        }
    }

    /// <summary>While a change waits for tracking: everything but its end (and process descriptions) waits behind it.</summary>
    private void Holding(object message)
    {
        HeldChange held = _held!;
        switch (message)
        {
            case TrackingPrepared prepared when prepared.Id == held.Id:
                _log.Info("process tracking runs ({0}) after {1:0} ms: applying the held change", prepared.Events ? "eBPF events" : "/proc scans only",
                    System.Diagnostics.Stopwatch.GetElapsedTime(held.Since).TotalMilliseconds);
                Release();
                break;
            case HoldExpired expired when expired.Id == held.Id:
                _log.Warning("process tracking not running after {0:0} s; applying the change anyway (first packets of short-lived processes may be unattributed)",
                    _settings.TrackingWait.TotalSeconds);
                Release();
                break;
            case TrackingPrepared or HoldExpired:
                break;
            case DescribeProcess describe:
                Describe(describe);
                break;
            default:
                Stash.Stash();
                break;
        }
    }

    /// <summary>Applies a validated change now, or holds it until tracking runs when it brings the first identity rules.</summary>
    private void Settle(object outcome, object request, bool replace)
    {
        if (outcome is not PendingChange pending)
        {
            Sender.Tell(outcome);
            return;
        }
        if (_tracking is null || _holder.Current.IdentityRuleCountAnywhere > 0 || !pending.Next.HasIdentityCriteria)
        {
            using (pending.Staging)
                Sender.Tell(Finish(pending, replace));
            return;
        }
        long id = ++_holds;
        _held = new HeldChange(id, pending, replace, Sender, request, System.Diagnostics.Stopwatch.GetTimestamp());
        _log.Info("the first rules with identity criteria wait until process tracking runs (at most {0:0} s): {1}", _settings.TrackingWait.TotalSeconds, pending.What);
        Timers.StartSingleTimer(HoldTimer, new HoldExpired(id), _settings.TrackingWait);
        _tracking.Tell(new PrepareTracking(id));
        Become(Holding);
    }

    private void Release()
    {
        HeldChange held = _held!;
        _held = null;
        Timers.Cancel(HoldTimer);
        Become(OnReceive);
        using (held.Pending.Staging)
            held.ReplyTo.Tell(Finish(held.Pending, held.Replace));
        Stash.UnstashAll();
    }

    private object Finish(PendingChange pending, bool replace)
    {
        // Counts carried as of now: packets judged while the change was held count too.
        long[][]? carried = pending.Command is { } command ? MatchCountCarrier.After(_holder.Current, command) : null;
        IControlReply reply = Commit(pending.Next, pending.Staging, carried, pending.What);
        return replace && reply is RulesUpdated updated ? new RulesChanged(updated.Version, updated.RuleCount) : reply;
    }

    /// <summary>A held change is handled again by the new instance, before the requests that waited behind it.</summary>
    protected override void PreRestart(Exception reason, object message)
    {
        if (_held is { } held)
        {
            _held = null;
            held.Pending.Staging.Dispose();
            Stash.Prepend([new Envelope(held.Message, held.ReplyTo)]);
        }
        // Also when applying the released change failed: the requests stashed behind it are not lost.
        Stash.UnstashAll();
        base.PreRestart(reason, message);
    }

    protected override void PostStop()
    {
        _held?.Pending.Staging.Dispose();
        base.PostStop();
    }

    /// <summary>A <see cref="PendingChange"/> (owning its staging) or the refusal.</summary>
    private object Change(ChangeRules change)
    {
        RuleParseResult parsed = RuleCommandParser.Parse(change.Arguments);
        if (!parsed.Success)
            return Refuse(parsed.Error);
        RuleCommand command = parsed.Command;
        if (command is RuleCommand.List)
            return Refuse("-L/--list changes nothing: ask with ListRules");

        NamespaceBindings.Staging? staging = _settings.Namespaces.Stage();
        try
        {
            switch (command)
            {
                case RuleCommand.Append append:
                    if (BindNamespace(append.Rule, change.CallerNamespace, staging, out Rule? appended) is { } appendError)
                        return Refuse(appendError);
                    command = append with { Rule = appended! };
                    break;
                case RuleCommand.Insert insert:
                    if (BindNamespace(insert.Rule, change.CallerNamespace, staging, out Rule? inserted) is { } insertError)
                        return Refuse(insertError);
                    command = insert with { Rule = inserted! };
                    break;
            }
            if (!_cell.Rules.TryApply(command, out RuleSet next, out string? error))
                return Refuse(error!);
            var pending = new PendingChange(next, staging, command, string.Join(' ', change.Arguments));
            staging = null;
            return pending;
        }
        finally
        {
            staging?.Dispose();
        }
    }

    /// <summary>A <see cref="PendingChange"/> (owning its staging) or the refusal.</summary>
    private object Restore(RestoreRules restore)
    {
        RuleSet parsed;
        try
        {
            parsed = RulesFile.Parse("restore", restore.Text.Split('\n'), _cell.Rules.Policies);
        }
        catch (RulesFileException e)
        {
            return Refuse(e.Message);
        }

        NamespaceBindings.Staging? staging = _settings.Namespaces.Stage();
        try
        {
            var next = RuleSet.Empty(parsed.Policies);
            foreach (Chain chain in Enum.GetValues<Chain>())
            {
                foreach (Rule rule in parsed[chain])
                {
                    if (BindNamespace(rule, restore.CallerNamespace, staging, out Rule? bound) is { } error)
                        return Refuse(error);
                    next = next.Append(bound!);
                }
            }
            var pending = new PendingChange(next, staging, null, $"restore of {next.Count} rules");
            staging = null;
            return pending;
        }
        finally
        {
            staging?.Dispose();
        }
    }

    /// <summary>
    /// Reads the process off the actor's thread (hashing may take long), so rule changes never wait for it.
    /// </summary>
    private void Describe(DescribeProcess describe)
    {
        if (_settings.Identity is not { } reader)
        {
            Sender.Tell(new RequestRefused("process identity is not available yet"));
            return;
        }
        Task.Run<IControlReply>(() =>
        {
            try
            {
                return ProcessDescriptions.Reply(reader.Read(describe.Pid));
            }
            catch (Exception e)
            {
                return new RequestRefused($"cannot read process {describe.Pid}: {e.Message}");
            }
        }).PipeTo(Sender);
    }

    /// <summary>
    /// Resolves the namespace a rule applies to. With <c>-n FILE</c>: FILE, which must be what the caller
    /// referenced when it names the same path. Without: the caller's namespace; the rule is stored without
    /// <c>-n</c> when that is the daemon's own, else with the caller's namespace path.
    /// </summary>
    private string? BindNamespace(Rule rule, NamespaceReference caller, NamespaceBindings.Staging staging, out Rule? bound)
    {
        bound = rule;
        if (rule.Namespace is { } named)
        {
            ulong? expected = named.Value == caller.Path ? caller.Inode : null;
            return staging.TryResolve(named.Value, expected, out _);
        }
        if (staging.TryResolve(caller.Path, caller.Inode, out ulong inode) is { } error)
            return $"the caller's namespace: {error}";
        if (inode != _settings.Namespaces.OwnInode)
            bound = rule with { Namespace = new Criterion<string>(caller.Path) };
        return null;
    }

    private IControlReply Commit(RuleSet next, NamespaceBindings.Staging staging, long[][]? carried, string what)
    {
        long version = _cell.Version + 1;
        RuleSnapshot snapshot = _settings.Compile(next, version, staging, carried);
        if (_settings.StateFile is { } stateFile)
        {
            try
            {
                stateFile.Save(next, version, staging.InodeOf);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PosixException)
            {
                _log.Error("cannot save the rules to {0}: {1}; change refused", stateFile.Path, e.Message);
                return new RequestRefused($"cannot save the rules to {stateFile.Path}: {e.Message}");
            }
        }
        staging.Commit(next);
        _cell.Set(next, version);
        _holder.Publish(snapshot);
        _log.Info("rules version {0}: {1} ({2} rules{3}{4})", version, what, next.Count,
            snapshot.IdentityRuleCount == 0 ? "" : $", {snapshot.IdentityRuleCount} with identity criteria",
            snapshot.ForeignNamespaces.Count == 0 ? "" : $", other namespaces: {string.Join(' ', snapshot.ForeignNamespaces.Select(ns => ns.Inode))}");
        Context.System.EventStream.Publish(new RulesChanged(version, next.Count));
        return new RulesUpdated(version, next.Count);
    }

    /// <summary>The rules in the rules-file syntax, one chain's (its <c>-P</c> line and rules) or all, with match counts.</summary>
    private IControlReply List(string? chainName)
    {
        RuleSnapshot snapshot = _holder.Current;
        if (chainName is null)
        {
            var counts = Enum.GetValues<Chain>().SelectMany(snapshot.MatchCounts).ToArray();
            return new RulesText(snapshot.Version, RuleFormatter.Format(snapshot.Rules), counts);
        }
        if (!RuleSyntax.TryParseChain(chainName, out Chain chain))
            return Refuse($"unknown chain '{chainName}': INPUT, OUTPUT or FORWARD");
        var text = new System.Text.StringBuilder();
        text.Append(RuleFormatter.FormatPolicy(chain, snapshot.Policies[chain])).Append('\n');
        foreach (Rule rule in snapshot.Rules[chain])
            text.Append(RuleFormatter.FormatRule(rule)).Append('\n');
        return new RulesText(snapshot.Version, text.ToString(), snapshot.MatchCounts(chain));
    }

    private RequestRefused Refuse(string reason)
    {
        _log.Info("request refused: {0}", reason);
        return new RequestRefused(reason);
    }
}

/// <summary>A validated change not committed yet: the rule set it makes and the namespace staging it owns.</summary>
/// <param name="Command">The ctl-fw command, whose match counts are carried; null: a whole new set (restore, replace).</param>
internal sealed record PendingChange(RuleSet Next, NamespaceBindings.Staging Staging, RuleCommand? Command, string What);

/// <summary>A change held until tracking runs, and who waits for its answer.</summary>
/// <param name="Message">The request itself, handled again after a restart.</param>
internal sealed record HeldChange(long Id, PendingChange Pending, bool Replace, IActorRef ReplyTo, object Message, long Since);

/// <summary>The rule store's bound on a held change (<see cref="RuleStoreSettings.TrackingWait"/>) passed.</summary>
internal sealed record HoldExpired(long Id);

/// <summary>The rule set in force and its version, kept outside the store actor so that a restart keeps it.</summary>
public sealed class RuleSetCell(RuleSet initial, long version)
{
    private CurrentRules _state = new(version, initial);

    public RuleSet Rules => Volatile.Read(ref _state).Rules;
    public long Version => Volatile.Read(ref _state).Version;

    internal void Set(RuleSet rules, long version) => Volatile.Write(ref _state, new CurrentRules(version, rules));
}
