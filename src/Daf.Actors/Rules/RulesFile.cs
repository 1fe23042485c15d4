// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Rules;

/// <summary>Reads a rules file: one ctl-fw command per line, '#' comments. STUB: replaced by the rules work.</summary>
public static class RulesFile
{
    /// <summary>Loads the file on top of the given policies.</summary>
    /// <exception cref="RulesFileException">A line is malformed; the message names the line.</exception>
    public static RuleSet Load(string path, ChainPolicies policies)
    {
        _ = File.ReadAllLines(path);
        return RuleSet.Empty(policies);
    }
}

public sealed class RulesFileException(string path, int lineNumber, string reason)
    : Exception($"{path}:{lineNumber}: {reason}")
{
    public string Path { get; } = path;
    public int LineNumber { get; } = lineNumber;
    public string Reason { get; } = reason;
}
