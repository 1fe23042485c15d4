// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.Event;

namespace Daf.Actors.Rules;

/// <summary>
/// Owns the rule set. Every change is compiled into a new immutable <see cref="RuleSnapshot"/> with the
/// next version and published through the <see cref="RuleSnapshotHolder"/>, which the queue readers read
/// without asking the store.
/// Supervision: default restart. Its state is the published snapshot's rule set, which survives the
/// restart in the holder-independent <see cref="RuleSetCell"/>, so a restart loses no rule.
/// </summary>
public sealed class RuleStoreActor : UntypedActor
{
    private readonly RuleSnapshotHolder _holder;
    private readonly RuleSetCell _cell;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public RuleStoreActor(RuleSnapshotHolder holder, RuleSetCell cell)
    {
        _holder = holder;
        _cell = cell;
    }

    public static Props Props(RuleSnapshotHolder holder, RuleSetCell cell) =>
        Akka.Actor.Props.Create(() => new RuleStoreActor(holder, cell));

    protected override void OnReceive(object message)
    {
        switch (message)
        {
            case ReplaceRules replace:
                var version = _cell.Version + 1;
                var snapshot = RuleSnapshot.Compile(replace.Rules, version);
                _cell.Set(replace.Rules, version);
                _holder.Publish(snapshot);
                var changed = new RulesChanged(version, replace.Rules.Count);
                _log.Info("rules version {0}: {1} rules", version, replace.Rules.Count);
                Context.System.EventStream.Publish(changed);
                Sender.Tell(changed);
                break;
            case GetRules:
                Sender.Tell(new CurrentRules(_cell.Version, _cell.Rules));
                break;
            default:
                Unhandled(message);
                break;
        }
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
