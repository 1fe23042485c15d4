// SPDX-License-Identifier: Apache-2.0
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Daf.Interop.Posix;

namespace Daf.Actors.Rules;

/// <summary>
/// <c>STATE_DIR/rules</c>: the rule set in force, policies included, in the rules-file syntax. Rewritten
/// atomically (temporary file, fsync, rename, fsync of the directory) on every change, so after a crash or
/// <c>kill -9</c> it holds either the previous or the new rule set, and app-fw restores it at start.
/// </summary>
/// <remarks>
/// A rule naming a namespace file carries, as a trailing comment, the inode of the namespace it was bound to
/// (<c># netns 4026532177</c>), and the header names the boot (<c>/proc/sys/kernel/random/boot_id</c>). After
/// a restart within the same boot, <see cref="NamespaceInodes"/> gives them back, so the rule keeps its
/// namespace even when its path (<c>/proc/PID/ns/net</c> of a process gone since) no longer names it.
/// Inodes of another boot mean nothing and are ignored. Rules files without these comments load the same.
/// </remarks>
public sealed partial class RulesStateFile(string path, string? bootId = null)
{
    public const string FileName = "rules";

    private readonly string _bootId = bootId ?? ReadBootId();

    public string Path { get; } = path;

    public static RulesStateFile In(string stateDirectory) => new(System.IO.Path.Combine(stateDirectory, FileName));

    /// <param name="namespaceInode">The inode a rule's namespace path is bound to, or null when unknown.</param>
    /// <exception cref="IOException">Writing failed.</exception>
    /// <exception cref="UnauthorizedAccessException">The state directory is not writable.</exception>
    /// <exception cref="PosixException">fsync of the directory failed.</exception>
    public void Save(RuleSet rules, long version, Func<string, ulong?>? namespaceInode = null)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# DAF rules, version {version}; written by app-fw, change them with ctl-fw\n");
        text.Append(CultureInfo.InvariantCulture, $"# boot {_bootId}\n");
        foreach (Chain chain in Enum.GetValues<Chain>())
            text.Append(RuleFormatter.FormatPolicy(chain, rules.Policies[chain])).Append('\n');
        foreach (Chain chain in Enum.GetValues<Chain>())
        {
            foreach (Rule rule in rules[chain])
            {
                text.Append(RuleFormatter.FormatRule(rule));
                if (rule.Namespace is { } ns && namespaceInode?.Invoke(ns.Value) is { } inode)
                    text.Append(CultureInfo.InvariantCulture, $" # netns {inode}");
                text.Append('\n');
            }
        }
        AtomicFile.Write(Path, Encoding.UTF8.GetBytes(text.ToString()));
    }

    /// <summary>
    /// The namespace inodes the saved rules were bound to, by namespace path, when the file was written during
    /// this boot; empty otherwise (no file, another boot, no such comments).
    /// </summary>
    public IReadOnlyDictionary<string, ulong> NamespaceInodes()
    {
        var inodes = new Dictionary<string, ulong>(StringComparer.Ordinal);
        if (!File.Exists(Path))
            return inodes;
        string[] lines = File.ReadAllLines(Path);
        if (!lines.Any(line => line == $"# boot {_bootId}"))
            return inodes;
        foreach (string line in lines)
        {
            Match match = NetnsComment().Match(line);
            if (!match.Success || !ulong.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode))
                continue;
            if (RuleCommandParser.ParseLine(line) is { Success: true, Command: RuleCommand.Append { Rule.Namespace: { } ns } })
                inodes[ns.Value] = inode;
        }
        return inodes;
    }

    [GeneratedRegex(@"\s#\s*netns\s+([0-9]+)\s*$")]
    private static partial Regex NetnsComment();

    private static string ReadBootId()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unknown";
        }
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
