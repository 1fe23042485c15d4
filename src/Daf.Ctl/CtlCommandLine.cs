// SPDX-License-Identifier: Apache-2.0
using System.Globalization;
using Daf.Actors.Rules;

namespace Daf.Ctl;

/// <summary>What ctl-fw was asked to do.</summary>
internal enum CtlMode { Help, Change, List, Save, Restore, HashFiles, HashProcess }

/// <summary>ctl-fw's command line, parsed and validated (nothing here contacts the daemon).</summary>
internal sealed record CtlCommandLine
{
    public const string DefaultStateDirectory = "/run/daf";
    /// <summary>Environment variable naming the state directory when --state-dir is not given.</summary>
    public const string StateDirectoryVariable = "DAF_STATE_DIR";

    public CtlMode Mode { get; init; }
    public ControlEndpoint Endpoint { get; init; } = new(DefaultStateDirectory, null);
    /// <summary>The rule command's arguments, as typed (what the daemon parses again).</summary>
    public IReadOnlyList<string> RuleArguments { get; init; } = [];
    public RuleCommand? Command { get; init; }
    public bool Json { get; init; }
    public bool Verbose { get; init; }
    public IReadOnlyList<string> HashPaths { get; init; } = [];
    public int Pid { get; init; }

    public const string Usage = """
        Usage: ctl-fw COMMAND [OPTIONS]
        Manages the rules of a running app-fw.

        Commands:
          -L, --list [-c CHAIN] [-v] [--json]   list the rules, numbered; -v adds match counts
          -A, --append RULE                     append RULE to its chain
          -I, --insert [NUM] RULE               insert RULE as rule NUM of its chain (default 1)
          -D, --delete NUM -c CHAIN             delete rule NUM of CHAIN
          -F, --flush [-c CHAIN]                delete every rule of CHAIN, or of every chain
          -P, --policy CHAIN ACCEPT|DROP        set CHAIN's policy
              --save                            print the rules in the rules-file syntax
              --restore                         replace all rules with the rules file read from stdin
          -H, --print-hash PATH                 print PATH's SHA-256 (repeatable; with more than one,
                                                also the AGGREGATE HASH of them all)
          -H, --print-hash --pid PID            the digests of every executable object PID maps, as app-fw sees them

        RULE: -c INPUT|OUTPUT|FORWARD -v ACCEPT|DROP and criteria, each negatable with '!' before it:
          -s/--src-ip ADDR[/LEN]  -d/--dst-ip ADDR[/LEN]  -p/--proto PROTO  --sport P[:P]  --dport P[:P]
          --sng-hash SHA256  --agg-hash SHA256  --unverifiable  -n/--namespace FILE  -l/--sig-loc l3|l4
          --sig-app SHA256 (INPUT, FORWARD: the packet's verified tag attests this application's aggregate digest)
          Without -n a rule applies to the network namespace ctl-fw runs in.

        Options:
              --state-dir DIR       app-fw's state directory (default: $DAF_STATE_DIR, else /run/daf)
              --control-port N      app-fw's control port (default: $DAF_CONTROL_PORT, else the configured one)
          -h, --help                show this help

        Exit status: 0 done, 1 refused by app-fw, 2 usage error, 3 app-fw unreachable.
        """;

    /// <summary>Parses the arguments; on failure returns null and a one-line error.</summary>
    public static CtlCommandLine? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        var line = new CtlCommandLine();
        var ruleArguments = new List<string>();
        var hashPaths = new List<string>();
        bool listing = args.Any(a => a is "-L" or "--list");
        bool save = false, restore = false, hash = false;
        int? pid = null;
        string? stateDirectory = null;
        int? port = null;
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string? Value()
            {
                if (i + 1 < args.Count)
                    return args[++i];
                return null;
            }
            switch (arg)
            {
                case "-h" or "--help":
                    return line with { Mode = CtlMode.Help };
                case "--state-dir":
                    if (stateDirectory is not null)
                        return Fail("option --state-dir given twice", out error);
                    stateDirectory = Value();
                    if (string.IsNullOrEmpty(stateDirectory))
                        return Fail("option --state-dir needs a directory", out error);
                    break;
                case "--control-port":
                    if (port is not null)
                        return Fail("option --control-port given twice", out error);
                    string? portText = Value();
                    if (portText is null || !int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int p) || p is < 1 or > 65535)
                        return Fail($"option --control-port: '{portText}' is not a port number 1..65535", out error);
                    port = p;
                    break;
                case "--json":
                    line = line with { Json = true };
                    break;
                case "-v" or "--verbose" when listing:
                    line = line with { Verbose = true };
                    break;
                case "--save":
                    save = true;
                    break;
                case "--restore":
                    restore = true;
                    break;
                case "-H" or "--print-hash":
                    hash = true;
                    if (i + 1 < args.Count && args[i + 1] == "--pid")
                        break;
                    string? path = Value();
                    if (string.IsNullOrEmpty(path))
                        return Fail($"option {arg} needs a PATH (or --pid PID)", out error);
                    hashPaths.Add(path);
                    break;
                case "--pid":
                    if (pid is not null)
                        return Fail("option --pid given twice", out error);
                    string? pidText = Value();
                    if (pidText is null || !int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out int parsedPid) || parsedPid < 1)
                        return Fail($"option --pid: '{pidText}' is not a process id", out error);
                    pid = parsedPid;
                    break;
                default:
                    ruleArguments.Add(arg);
                    break;
            }
        }
        stateDirectory ??= Environment.GetEnvironmentVariable(StateDirectoryVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment : DefaultStateDirectory;
        line = line with { Endpoint = new ControlEndpoint(stateDirectory, port) };

        int modes = (ruleArguments.Count > 0 ? 1 : 0) + (save ? 1 : 0) + (restore ? 1 : 0) + (hash ? 1 : 0);
        if (modes == 0)
            return Fail(pid is null ? "no command given: use one of -L, -A, -I, -D, -F, -P, --save, --restore, -H" : "--pid goes with -H: ctl-fw -H --pid PID", out error);
        if (modes > 1)
        {
            string[] given = [.. new[] { (save, "--save"), (restore, "--restore"), (hash, "-H") }.Where(m => m.Item1).Select(m => m.Item2)];
            return Fail(ruleArguments.Count > 0
                ? $"{string.Join(" and ", given)} cannot be combined with '{ruleArguments[0]}'"
                : $"only one command at a time: {string.Join(" and ", given)}", out error);
        }
        if (line.Json && !listing)
            return Fail("--json goes with -L/--list", out error);
        if (pid is not null && !hash)
            return Fail("--pid goes with -H: ctl-fw -H --pid PID", out error);

        if (save)
            return line with { Mode = CtlMode.Save };
        if (restore)
            return line with { Mode = CtlMode.Restore };
        if (hash)
        {
            if (pid is not null && hashPaths.Count > 0)
                return Fail("-H --pid PID cannot be combined with file paths", out error);
            if (pid is null && hashPaths.Count == 0)
                return Fail("-H needs a PATH or --pid PID", out error);
            return pid is { } process
                ? line with { Mode = CtlMode.HashProcess, Pid = process }
                : line with { Mode = CtlMode.HashFiles, HashPaths = hashPaths };
        }

        RuleParseResult parsed = RuleCommandParser.Parse(ruleArguments);
        if (!parsed.Success)
            return Fail(parsed.Error, out error);
        if (parsed.Command is RuleCommand.Append { Rule.Namespace: { } appendNs } && !Path.IsPathFullyQualified(appendNs.Value)
            || parsed.Command is RuleCommand.Insert { Rule.Namespace: { } insertNs } && !Path.IsPathFullyQualified(insertNs.Value))
            return Fail("-n/--namespace needs an absolute path, such as /proc/PID/ns/net or /var/run/netns/NAME", out error);
        return line with
        {
            Mode = parsed.Command is RuleCommand.List ? CtlMode.List : CtlMode.Change,
            Command = parsed.Command,
            RuleArguments = ruleArguments,
        };
    }

    private static CtlCommandLine? Fail(string message, out string? error)
    {
        error = message;
        return null;
    }
}
