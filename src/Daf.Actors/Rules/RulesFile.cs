// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Rules;

/// <summary>
/// Reads a rules file: one ctl-fw command per line, either <c>-A ...</c> (appends a rule) or
/// <c>-P CHAIN VERDICT</c> (sets a policy, overriding the one passed in). Blank lines and <c>#</c>
/// comments (whole-line or after a command) are ignored. <see cref="RuleFormatter"/> writes this format.
/// </summary>
public static class RulesFile
{
    /// <summary>Loads the file on top of the given policies.</summary>
    /// <exception cref="RulesFileException">
    /// A line is malformed (the message names the line), or the file cannot be read (line 0; the cause is the inner exception).
    /// </exception>
    public static RuleSet Load(string path, ChainPolicies policies)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or System.Security.SecurityException)
        {
            throw new RulesFileException(path, 0, $"cannot read rules file: {e.Message}", e);
        }
        return Parse(path, lines, policies);
    }

    /// <summary>Parses rules-file lines; <paramref name="name"/> names the source in errors (a path, or e.g. "stdin").</summary>
    /// <exception cref="RulesFileException">A line is malformed.</exception>
    public static RuleSet Parse(string name, IEnumerable<string> lines, ChainPolicies policies)
    {
        var rules = RuleSet.Empty(policies);
        int lineNumber = 0;
        foreach (string line in lines)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line) || line.TrimStart().StartsWith('#'))
                continue;
            RuleParseResult parsed = RuleCommandParser.ParseLine(line);
            if (!parsed.Success)
                throw new RulesFileException(name, lineNumber, parsed.Error);
            if (parsed.Command is not (RuleCommand.Append or RuleCommand.Policy))
                throw new RulesFileException(name, lineNumber, "only -A (append) and -P (policy) lines belong in a rules file");
            rules.TryApply(parsed.Command, out rules, out _);
        }
        return rules;
    }
}
