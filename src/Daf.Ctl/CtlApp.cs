// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Control;
using Daf.Actors.Rules;
using Daf.Interop.Namespaces;

namespace Daf.Ctl;

/// <summary>What ctl-fw touches outside itself, so that tests can stand in for the daemon and the namespace files.</summary>
/// <param name="Connect">Opens the channel to the daemon; called only once the command line is valid.</param>
/// <param name="NamespaceInode">The inode of a namespace file (throws when it cannot be opened).</param>
/// <param name="ProcessId">ctl-fw's pid: the daemon opens /proc/PID/ns/net to find ctl-fw's namespace.</param>
public sealed record CtlEnvironment(
    TextReader Input, TextWriter Output, TextWriter Error,
    Func<ControlEndpoint, IControlChannel> Connect, Func<string, ulong> NamespaceInode, int ProcessId)
{
    /// <summary>How long ctl-fw waits in all (its own start included) before it gives up (exit 3); the transport has its own, shorter, timeout for the association and the answer.</summary>
    public TimeSpan ReplyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public static CtlEnvironment ForProcess(Func<ControlEndpoint, IControlChannel> connect) =>
        new(Console.In, Console.Out, Console.Error, connect, NetworkNamespaceInode, Environment.ProcessId);

    private static ulong NetworkNamespaceInode(string path)
    {
        using var file = NamespaceFile.Open(path);
        return file.Inode;
    }
}

/// <summary>ctl-fw: validates its command line locally (usage errors never reach the daemon), sends one request, prints the reply.</summary>
public static class CtlApp
{
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CtlEnvironment env)
    {
        CtlCommandLine? line = CtlCommandLine.Parse(args, out string? error);
        if (line is null)
            return Usage(env, error!);
        switch (line.Mode)
        {
            case CtlMode.Help:
                env.Output.WriteLine(CtlCommandLine.Usage);
                return ExitCodes.Done;
            case CtlMode.HashFiles:
                return HashPrinter.PrintFiles(line.HashPaths, env.Output, env.Error) ? ExitCodes.Done : ExitCodes.Usage;
        }

        IControlRequest request;
        switch (line.Mode)
        {
            case CtlMode.List:
                request = new ListRules(((RuleCommand.List)line.Command!).Chain is { } chain ? RuleSyntax.ChainName(chain) : null);
                break;
            case CtlMode.Save:
                request = new SaveRules();
                break;
            case CtlMode.HashProcess:
                request = new DescribeProcess(line.Pid);
                break;
            case CtlMode.Restore:
                string text = await env.Input.ReadToEndAsync();
                if (ValidateRestore(text) is { } restoreError)
                    return Usage(env, restoreError);
                if (!TryOwnNamespace(env, out NamespaceReference? own, out error))
                    return Usage(env, error!);
                request = new RestoreRules(text, own!);
                break;
            default:
                if (!TryRuleNamespace(env, line.Command!, out NamespaceReference? reference, out error))
                    return Usage(env, error!);
                request = new ChangeRules(line.RuleArguments, reference!);
                break;
        }

        IControlReply reply;
        using (var timeout = new CancellationTokenSource(env.ReplyTimeout))
        {
            try
            {
                reply = await env.Connect(line.Endpoint).SendAsync(request, timeout.Token);
            }
            catch (ControlChannelException e)
            {
                env.Error.WriteLine($"ctl-fw: {e.Message}");
                return e.ExitCode;
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                env.Error.WriteLine($"ctl-fw: app-fw did not answer within {env.ReplyTimeout.TotalSeconds:0.#} s");
                return ExitCodes.Unreachable;
            }
        }
        return Print(line, reply, env);
    }

    private static int Print(CtlCommandLine line, IControlReply reply, CtlEnvironment env)
    {
        switch (reply)
        {
            case RequestRefused refused:
                env.Error.WriteLine($"ctl-fw: refused by app-fw: {refused.Reason}");
                return ExitCodes.Refused;
            case RulesText text when line.Mode == CtlMode.List:
                try
                {
                    env.Output.Write(RuleListing.Render(text, ((RuleCommand.List)line.Command!).Chain, line.Verbose, line.Json));
                }
                catch (RulesFileException e)
                {
                    env.Error.WriteLine($"ctl-fw: app-fw sent rules ctl-fw cannot read: {e.Message}");
                    return ExitCodes.Refused;
                }
                return ExitCodes.Done;
            case RulesText text when line.Mode == CtlMode.Save:
                env.Output.Write(text.Text);
                return ExitCodes.Done;
            case RulesUpdated when line.Mode is CtlMode.Change or CtlMode.Restore:
                return ExitCodes.Done;
            case ProcessDescription process when line.Mode == CtlMode.HashProcess:
                HashPrinter.PrintProcess(process, env.Output);
                return ExitCodes.Done;
            default:
                env.Error.WriteLine($"ctl-fw: unexpected reply from app-fw: {reply.GetType().Name}");
                return ExitCodes.Refused;
        }
    }

    /// <summary>The rules text must parse here as the daemon will parse it; problems are reported with their line.</summary>
    private static string? ValidateRestore(string text)
    {
        RuleSet rules;
        try
        {
            rules = RulesFile.Parse("stdin", text.Split('\n'), ChainPolicies.AllAccept);
        }
        catch (RulesFileException e)
        {
            return e.Message;
        }
        string? relative = Enum.GetValues<Chain>().SelectMany(c => rules[c])
            .Select(r => r.Namespace?.Value).FirstOrDefault(p => p is not null && !Path.IsPathFullyQualified(p));
        return relative is null ? null : $"stdin: namespace file '{relative}' must be an absolute path";
    }

    /// <summary>
    /// The namespace a change means: the <c>-n</c> file as ctl-fw sees it, else ctl-fw's own. The daemon
    /// refuses the rule when it finds a different namespace there.
    /// </summary>
    private static bool TryRuleNamespace(CtlEnvironment env, RuleCommand command, out NamespaceReference? reference, out string? error)
    {
        Rule? rule = command switch
        {
            RuleCommand.Append append => append.Rule,
            RuleCommand.Insert insert => insert.Rule,
            _ => null,
        };
        if (rule?.Namespace is not { } named)
            return TryOwnNamespace(env, out reference, out error);
        return TryReference(env, named.Value, out reference, out error);
    }

    private static bool TryOwnNamespace(CtlEnvironment env, out NamespaceReference? reference, out string? error) =>
        TryReference(env, $"/proc/{env.ProcessId}/ns/net", out reference, out error);

    private static bool TryReference(CtlEnvironment env, string path, out NamespaceReference? reference, out string? error)
    {
        try
        {
            reference = new NamespaceReference(path, env.NamespaceInode(path));
            error = null;
            return true;
        }
        catch (Exception e) when (e is Daf.Interop.Posix.PosixException or IOException or InvalidDataException or UnauthorizedAccessException)
        {
            reference = null;
            error = $"cannot open namespace file {path}: {e.Message}";
            return false;
        }
    }

    private static int Usage(CtlEnvironment env, string error)
    {
        env.Error.WriteLine($"ctl-fw: {error} (see ctl-fw --help)");
        return ExitCodes.Usage;
    }
}
