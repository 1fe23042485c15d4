// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Signatures;
using System.Text;

namespace Daf.Actors.Rules;

/// <summary>
/// Writes rules in ctl-fw syntax: the rules-file format that <see cref="RulesFile"/> reads back to an
/// equal <see cref="RuleSet"/>.
/// </summary>
public static class RuleFormatter
{
    private static readonly Chain[] Chains = [Chain.Input, Chain.Output, Chain.Forward];

    /// <summary>The three <c>-P</c> lines, then every chain's <c>-A</c> lines in order; one per line, newline-terminated.</summary>
    /// <param name="rules">The rules to format.</param>
    /// <param name="suffix">Text appended to a rule's line (such as a comment), or null for none.</param>
    public static string Format(RuleSet rules, Func<Rule, string?>? suffix = null)
    {
        var text = new StringBuilder();
        foreach (Chain chain in Chains)
            text.Append(FormatPolicy(chain, rules.Policies[chain])).Append('\n');
        foreach (Chain chain in Chains)
        {
            foreach (Rule rule in rules[chain])
                text.Append(FormatRule(rule)).Append(suffix?.Invoke(rule)).Append('\n');
        }
        return text.ToString();
    }

    public static string FormatPolicy(Chain chain, Verdict verdict) =>
        $"-P {RuleSyntax.ChainName(chain)} {RuleSyntax.VerdictName(verdict)}";

    /// <summary>The <c>-A</c> command that appends <paramref name="rule"/>.</summary>
    public static string FormatRule(Rule rule) => "-A " + FormatSpecification(rule);

    /// <summary>The rule without its command: <c>-c CHAIN</c>, the criteria, <c>-v VERDICT</c>.</summary>
    public static string FormatSpecification(Rule rule)
    {
        var text = new StringBuilder();
        text.Append("-c ").Append(RuleSyntax.ChainName(rule.Chain));
        AppendCriteria(text, rule);
        text.Append(" -v ").Append(RuleSyntax.VerdictName(rule.Verdict));
        return text.ToString();
    }

    /// <summary>Only the criteria (and <c>-l</c>), as <c>ctl-fw -L</c> shows them beside the verdict; empty when the rule has none.</summary>
    public static string FormatCriteria(Rule rule)
    {
        var text = new StringBuilder();
        AppendCriteria(text, rule);
        return text.Length == 0 ? string.Empty : text.ToString(1, text.Length - 1);
    }

    private static void AppendCriteria(StringBuilder text, Rule rule)
    {
        AppendCriterion(text, "-n", rule.Namespace);
        AppendCriterion(text, "-s", rule.Source);
        AppendCriterion(text, "-d", rule.Destination);
        AppendCriterion(text, "-p", rule.Protocol);
        AppendCriterion(text, "--sport", rule.SourcePort);
        AppendCriterion(text, "--dport", rule.DestinationPort);
        AppendCriterion(text, "--sng-hash", rule.SingleHash);
        AppendCriterion(text, "--agg-hash", rule.AggregateHash);
        if (rule.Unverifiable is bool unverifiable)
            text.Append(unverifiable ? " --unverifiable" : " ! --unverifiable");
        AppendCriterion(text, "--sig-app", rule.SignedApp);
        if (rule.SignatureLocation is { } location)
            text.Append(" -l ").Append(location == SignatureLocation.L3 ? "l3" : "l4");
    }

    private static void AppendCriterion<T>(StringBuilder text, string option, Criterion<T>? criterion)
    {
        if (criterion is not { } c)
            return;
        text.Append(c.Negated ? " ! " : " ").Append(option).Append(' ')
            .Append(CommandLineSplitter.Quote(c.Value?.ToString() ?? string.Empty));
    }
}
