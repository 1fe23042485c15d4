// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Daf.Actors.Control;
using Daf.Actors.Rules;
using Microsoft.Extensions.Logging;

namespace Daf.Actors.Host;

/// <summary>
/// SIGHUP: reads the rules file again (<c>--rules FILE</c>, else <c>STATE_DIR/rules</c>) and replaces the
/// running rule set with it in one step, as <c>ctl-fw --restore</c> does (policies the file does not set stay
/// as they are; the new set is saved to STATE_DIR/rules). A file with a bad line is refused with
/// <c>FILE:LINE: reason</c> and the running rules stay. Logs what changed. Reloads never overlap: a SIGHUP
/// during a reload waits for it.
/// </summary>
public sealed class RulesReload(string path, IActorRef store, NamespaceReference ownNamespace, ILogger log, SystemdNotifier notifier, TimeSpan timeout)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Path => path;

    /// <summary>True when the file's rules are in force afterwards.</summary>
    public async Task<bool> RunAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        notifier.Reloading($"reloading rules from {path}");
        try
        {
            return await ReloadAsync().ConfigureAwait(false);
        }
        finally
        {
            notifier.Ready();
            _gate.Release();
        }
    }

    private async Task<bool> ReloadAsync()
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
            RulesFile.Parse(path, lines, ChainPolicies.AllAccept); // FILE:LINE for a bad line, before anything changes
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.LogError("SIGHUP: cannot read {Path}: {Reason}; the running rules stay", path, e.Message);
            return false;
        }
        catch (RulesFileException e)
        {
            log.LogError("SIGHUP: {Reason}; the running rules stay", e.Message);
            return false;
        }

        try
        {
            var before = await store.Ask<CurrentRules>(GetRules.Instance, timeout).ConfigureAwait(false);
            var reply = await store.Ask<IControlReply>(new RestoreRules(string.Join('\n', lines), ownNamespace), timeout).ConfigureAwait(false);
            if (reply is RequestRefused refused)
            {
                log.LogError("SIGHUP: {Path} refused: {Reason}; the running rules stay", path, refused.Reason);
                return false;
            }
            var after = await store.Ask<CurrentRules>(GetRules.Instance, timeout).ConfigureAwait(false);
            var changes = RuleSetChanges.Between(before.Rules, after.Rules);
            log.LogInformation("SIGHUP: rules reloaded from {Path}: version {Version}, {Count} rules, {Changes}", path, after.Version,
                after.Rules.Count, changes.Count == 0 ? "no change" : $"{changes.Count} changes");
            foreach (var change in changes) log.LogInformation("SIGHUP: {Change}", change);
            return true;
        }
        catch (AskTimeoutException)
        {
            log.LogError("SIGHUP: the rule store did not answer within {Seconds} s; the rules may not have changed", timeout.TotalSeconds);
            return false;
        }
    }
}
