// SPDX-License-Identifier: Apache-2.0
using System.Globalization;
using System.Text;
using System.Text.Json;
using Daf.Actors.Control;
using Daf.Actors.Rules;

namespace Daf.Ctl;

/// <summary>
/// Renders the daemon's <see cref="RulesText"/> for <c>-L</c>: per chain a header with its policy, then the
/// rules numbered from 1 like <c>iptables -L --line-numbers</c> (with <c>-v</c>, the packets each matched),
/// or the same as JSON.
/// </summary>
internal static class RuleListing
{
    private static readonly Chain[] AllChains = [Chain.Input, Chain.Output, Chain.Forward];

    /// <param name="chain">The chain asked for; null for all.</param>
    public static string Render(RulesText reply, Chain? chain, bool verbose, bool json)
    {
        RuleSet rules = RulesFile.Parse("app-fw reply", reply.Text.Split('\n'), ChainPolicies.AllAccept);
        Chain[] chains = chain is { } only ? [only] : AllChains;
        var rows = new List<(Chain Chain, int Number, Rule Rule, long? Packets)>();
        int index = 0;
        bool countsFit = reply.MatchCounts.Count == chains.Sum(c => rules[c].Length);
        foreach (Chain c in chains)
        {
            int number = 0;
            foreach (Rule rule in rules[c])
                rows.Add((c, ++number, rule, countsFit ? reply.MatchCounts[index++] : null));
        }
        return json ? Json(reply.Version, rules, chains, rows) : Table(rules, chains, rows, verbose);
    }

    private static string Table(RuleSet rules, Chain[] chains, List<(Chain Chain, int Number, Rule Rule, long? Packets)> rows, bool verbose)
    {
        var text = new StringBuilder();
        foreach (Chain chain in chains)
        {
            if (text.Length > 0)
                text.Append('\n');
            text.Append(CultureInfo.InvariantCulture, $"Chain {RuleSyntax.ChainName(chain)} (policy {RuleSyntax.VerdictName(rules.Policies[chain])})\n");
            text.Append(verbose ? "num        pkts  verdict  criteria\n" : "num  verdict  criteria\n");
            foreach (var row in rows.Where(r => r.Chain == chain))
            {
                string criteria = RuleFormatter.FormatCriteria(row.Rule);
                if (criteria.Length == 0)
                    criteria = "any";
                string verdict = RuleSyntax.VerdictName(row.Rule.Verdict);
                if (verbose)
                {
                    string packets = row.Packets?.ToString(CultureInfo.InvariantCulture) ?? "-";
                    text.Append(CultureInfo.InvariantCulture, $"{row.Number,-4} {packets,11}  {verdict,-7}  {criteria}\n");
                }
                else
                {
                    text.Append(CultureInfo.InvariantCulture, $"{row.Number,-4} {verdict,-7}  {criteria}\n");
                }
            }
        }
        return text.ToString();
    }

    private static string Json(long version, RuleSet rules, Chain[] chains, List<(Chain Chain, int Number, Rule Rule, long? Packets)> rows)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteNumber("version", version);
            json.WriteStartArray("chains");
            foreach (Chain chain in chains)
            {
                json.WriteStartObject();
                json.WriteString("chain", RuleSyntax.ChainName(chain));
                json.WriteString("policy", RuleSyntax.VerdictName(rules.Policies[chain]));
                json.WriteStartArray("rules");
                foreach (var row in rows.Where(r => r.Chain == chain))
                {
                    json.WriteStartObject();
                    json.WriteNumber("num", row.Number);
                    json.WriteString("verdict", RuleSyntax.VerdictName(row.Rule.Verdict));
                    json.WriteString("criteria", RuleFormatter.FormatCriteria(row.Rule));
                    json.WriteString("rule", RuleFormatter.FormatRule(row.Rule));
                    if (row.Packets is { } packets)
                        json.WriteNumber("packets", packets);
                    else
                        json.WriteNull("packets");
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
