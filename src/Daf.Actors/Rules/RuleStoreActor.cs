// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.Event;
using Daf.Actors.Control;
using Daf.Actors.Identity;
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
/// Supervision: restarted by the guardian on failure or kill (<c>DafSupervision</c>). Its state (rule set, version, namespace bindings) lives in objects the
/// daemon owns (<see cref="RuleSetCell"/>, <see cref="RuleStoreSettings"/>), so a restart loses nothing.
/// </summary>
public sealed partial class RuleStoreActor : UntypedActor
{
    private readonly RuleSnapshotHolder _holder;
    private readonly RuleSetCell _cell;
    private readonly RuleStoreSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public RuleStoreActor(RuleSnapshotHolder holder, RuleSetCell cell, RuleStoreSettings settings)
    {
        _holder = holder;
        _cell = cell;
        _settings = settings;
    }

    public static Props Props(RuleSnapshotHolder holder, RuleSetCell cell, RuleStoreSettings settings) =>
        Akka.Actor.Props.Create(() => new RuleStoreActor(holder, cell, settings));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ChangeRules change:
                Sender.Tell(Change(change));
                break;
            case RestoreRules restore:
                Sender.Tell(Restore(restore));
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
                using (var staging = _settings.Namespaces.Stage())
                {
                    var reply = Commit(replace.Rules, staging, carried: null, "replace");
                    Sender.Tell(reply is RulesUpdated updated ? new RulesChanged(updated.Version, updated.RuleCount) : reply);
                }
                break;
            case GetRules:
                Sender.Tell(new CurrentRules(_cell.Version, _cell.Rules));
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private IControlReply Change(ChangeRules change)
    {
        RuleParseResult parsed = RuleCommandParser.Parse(change.Arguments);
        if (!parsed.Success)
            return Refuse(parsed.Error);
        RuleCommand command = parsed.Command;
        if (command is RuleCommand.List)
            return Refuse("-L/--list changes nothing: ask with ListRules");

        using var staging = _settings.Namespaces.Stage();
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
        return Commit(next, staging, MatchCountCarrier.After(_holder.Current, command), string.Join(' ', change.Arguments));
    }

    private IControlReply Restore(RestoreRules restore)
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

        using var staging = _settings.Namespaces.Stage();
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
        return Commit(next, staging, carried: null, $"restore of {next.Count} rules");
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

/// <summary>The rule set in force and its version, kept outside the store actor so that a restart keeps it.</summary>
public sealed class RuleSetCell(RuleSet initial, long version)
{
    private CurrentRules _state = new(version, initial);

    public RuleSet Rules => Volatile.Read(ref _state).Rules;
    public long Version => Volatile.Read(ref _state).Version;

    internal void Set(RuleSet rules, long version) => Volatile.Write(ref _state, new CurrentRules(version, rules));
}
