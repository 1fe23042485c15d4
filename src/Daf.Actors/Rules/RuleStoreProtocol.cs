// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Rules;

/// <summary>Asks the rule store to replace the whole rule set (policies included).</summary>
public sealed record ReplaceRules(RuleSet Rules);

/// <summary>The rule store compiled and published a new version; also published on the event stream.</summary>
public sealed record RulesChanged(long Version, int RuleCount);

/// <summary>Asks the rule store for the rule set in force.</summary>
public sealed record GetRules
{
    public static readonly GetRules Instance = new();
}

/// <summary>The rule set in force and its version.</summary>
public sealed record CurrentRules(long Version, RuleSet Rules);
