// SPDX-License-Identifier: Apache-2.0
using System.Text;
using Daf.Interop.Posix;

namespace Daf.Actors.Rules;

/// <summary>
/// <c>STATE_DIR/rules</c>: the rule set in force, policies included, in the rules-file syntax. Rewritten
/// atomically (temporary file, fsync, rename, fsync of the directory) on every change, so after a crash or
/// <c>kill -9</c> it holds either the previous or the new rule set, and app-fw restores it at start.
/// </summary>
public sealed class RulesStateFile(string path)
{
    public const string FileName = "rules";

    public string Path { get; } = path;

    public static RulesStateFile In(string stateDirectory) => new(System.IO.Path.Combine(stateDirectory, FileName));

    /// <exception cref="IOException">Writing failed.</exception>
    /// <exception cref="UnauthorizedAccessException">The state directory is not writable.</exception>
    /// <exception cref="PosixException">fsync of the directory failed.</exception>
    public void Save(RuleSet rules, long version)
    {
        string text = $"# DAF rules, version {version}; written by app-fw, change them with ctl-fw\n" + RuleFormatter.Format(rules);
        AtomicFile.Write(Path, Encoding.UTF8.GetBytes(text));
    }

    /// <summary>
    /// The rules to start with: this file when it exists (it wins over <paramref name="seedFile"/> and holds
    /// the policies last set, which then override <paramref name="policies"/>), else <paramref name="seedFile"/>
    /// on top of <paramref name="policies"/>, else no rules. <paramref name="source"/> says which, for the log.
    /// </summary>
    /// <exception cref="RulesFileException">The chosen file is malformed (the message names the line) or unreadable.</exception>
    public RuleSet LoadAtStart(string? seedFile, ChainPolicies policies, out string source)
    {
        if (File.Exists(Path))
        {
            var rules = RulesFile.Load(Path, policies);
            source = seedFile is null
                ? $"restored {rules.Count} rules from {Path}"
                : $"restored {rules.Count} rules from {Path}; --rules {seedFile} ignored (it only seeds an empty state)";
            return rules;
        }
        if (seedFile is not null)
        {
            var rules = RulesFile.Load(seedFile, policies);
            source = $"seeded {rules.Count} rules from {seedFile} (no {Path} yet)";
            return rules;
        }
        source = $"no {Path} and no --rules: starting with no rules";
        return RuleSet.Empty(policies);
    }
}
