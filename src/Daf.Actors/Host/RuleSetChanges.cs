// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;

namespace Daf.Actors.Host;

/// <summary>
/// What differs between two rule sets, in the rules-file syntax, for the log of a reload: changed policies
/// (<c>-P OUTPUT DROP (was ACCEPT)</c>), rules removed (<c>- -A ...</c>) and added (<c>+ -A ...</c>), compared
/// per chain as multisets of their formatted lines, and chains whose rules only moved.
/// </summary>
public static class RuleSetChanges
{
    public static IReadOnlyList<string> Between(RuleSet before, RuleSet after)
    {
        var changes = new List<string>();
        foreach (Chain chain in Enum.GetValues<Chain>())
        {
            if (before.Policies[chain] != after.Policies[chain])
                changes.Add($"{RuleFormatter.FormatPolicy(chain, after.Policies[chain])} (was {before.Policies[chain].ToString().ToUpperInvariant()})");
            var old = before[chain].Select(RuleFormatter.FormatRule).ToList();
            var now = after[chain].Select(RuleFormatter.FormatRule).ToList();
            var removed = Minus(old, now);
            var added = Minus(now, old);
            changes.AddRange(removed.Select(r => "- " + r));
            changes.AddRange(added.Select(r => "+ " + r));
            if (removed.Count == 0 && added.Count == 0 && !old.SequenceEqual(now))
                changes.Add($"{chain.ToString().ToUpperInvariant()}: same rules, new order");
        }
        return changes;
    }

    /// <summary>The lines of <paramref name="left"/> not matched one for one by a line of <paramref name="right"/>, in order.</summary>
    private static List<string> Minus(List<string> left, List<string> right)
    {
        var remaining = right.GroupBy(r => r, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var line in left)
        {
            if (remaining.TryGetValue(line, out int n) && n > 0) remaining[line] = n - 1;
            else result.Add(line);
        }
        return result;
    }
}
