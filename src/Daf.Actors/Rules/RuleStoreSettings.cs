// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Identity;

namespace Daf.Actors.Rules;

/// <summary>What the rule store needs besides the rules: namespace bindings, where to persist, how many readers count matches.</summary>
/// <param name="StateFile">Where every accepted change is saved; null keeps the rules in memory only (tests).</param>
/// <param name="CounterSlots">One per queue reader: reader i counts matches in slot i.</param>
public sealed record RuleStoreSettings(NamespaceBindings Namespaces, RulesStateFile? StateFile, int CounterSlots)
{
    /// <summary>Reads processes for <c>-H --pid</c> (<see cref="Control.DescribeProcess"/>); null refuses such requests.</summary>
    public ProcessIdentityReader? Identity { get; init; }

    /// <summary>
    /// How long the first rules with identity criteria wait for process tracking before they are applied anyway. Below
    /// ctl-fw's 20 s wait for an answer (connection included): the caller is answered once the change is in force.
    /// </summary>
    public TimeSpan TrackingWait { get; init; } = DefaultTrackingWait;

    public static readonly TimeSpan DefaultTrackingWait = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Binds the namespaces the starting rules name, to those they were saved with when the state file
    /// knows them (unbindable ones are reported in <paramref name="warnings"/>), and compiles version 1.
    /// </summary>
    public RuleSnapshot CompileAtStart(RuleSet rules, List<string> warnings)
    {
        Namespaces.BindAtStart(rules, StateFile?.NamespaceInodes() ?? new Dictionary<string, ulong>(), warnings);
        using var staging = Namespaces.Stage();
        return Compile(rules, 1, staging, carried: null);
    }

    /// <summary>The snapshot of the daemon's namespace and of every other namespace the rules name (<c>-n</c>).</summary>
    public RuleSnapshot Compile(RuleSet rules, long version, NamespaceBindings.Staging staging, long[][]? carried) =>
        RuleSnapshot.Compile(rules, version, Namespaces.OwnInode, staging.AppliesIn, staging.ForeignNamespaces(rules), CounterSlots, carried);
}
