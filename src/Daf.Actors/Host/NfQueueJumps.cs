// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;

namespace Daf.Actors.Host;

/// <summary>
/// <c>--install-rules</c>: adds app-fw's NFQUEUE jumps with iptables and ip6tables (<see cref="NfQueueJumpScript"/>)
/// and removes them when app-fw stops, whichever way it stops short of <c>kill -9</c> (a set left by a
/// killed app-fw is replaced at the next start). Each family's change is one iptables-restore transaction.
/// Thread-safe; <see cref="Remove"/> may run more than once (shutdown task, then the host's finally).
/// </summary>
public sealed class NfQueueJumps(IReadOnlyList<(Chain Chain, ushort Queue)> queues, bool failClosed, Action<string> log)
{
    /// <summary>(lister, restorer) per address family.</summary>
    public static readonly IReadOnlyList<(string List, string Restore)> Families = [("iptables", "iptables-restore"), ("ip6tables", "ip6tables-restore")];

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);
    private readonly object _gate = new();
    private readonly List<(string List, string Restore)> _installed = [];

    public bool FailClosed => failClosed;

    /// <summary>Installs for both families; when one fails, removes what was installed and throws.</summary>
    /// <exception cref="InvalidOperationException">A command failed; the message has its output.</exception>
    public void Install()
    {
        lock (_gate)
        {
            try
            {
                foreach (var family in Families)
                {
                    string listing = List(family.List);
                    Restore(family.Restore, NfQueueJumpScript.Install(listing, queues, failClosed));
                    _installed.Add(family);
                }
            }
            catch (InvalidOperationException)
            {
                RemoveLocked();
                throw;
            }
        }
        log($"installed NFQUEUE jumps ({string.Join(", ", queues.Select(q => $"{NfQueueJumpScript.BuiltinChain(q.Chain)} -> {NfQueueJumpScript.OwnChain(q.Chain)} -> queue {q.Queue}"))}; " +
            $"{(failClosed ? "fail-closed: without app-fw queued packets are dropped" : "--queue-bypass: without app-fw packets pass")}) for iptables and ip6tables");
    }

    /// <summary>Removes what <see cref="Install"/> added; failures are logged, never thrown.</summary>
    public void Remove()
    {
        lock (_gate)
        {
            if (_installed.Count == 0) return;
            RemoveLocked();
            log("removed the NFQUEUE jumps and the DAF-* chains");
        }
    }

    /// <summary>
    /// Both families at once, each with the script for exactly what was installed (one process each, SIGTERM has
    /// 2 s); when that fails (someone changed the chains meanwhile), from a fresh listing.
    /// </summary>
    private void RemoveLocked()
    {
        string expected = NfQueueJumpScript.Installed(queues, failClosed);
        Task.WaitAll(_installed.Select(family => Task.Run(() =>
        {
            try
            {
                try
                {
                    Restore(family.Restore, NfQueueJumpScript.Remove(expected)!);
                }
                catch (InvalidOperationException)
                {
                    if (NfQueueJumpScript.Remove(List(family.List)) is { } script) Restore(family.Restore, script);
                }
            }
            catch (InvalidOperationException e)
            {
                log($"warning: cannot remove the NFQUEUE jumps ({family.List}): {e.Message}");
            }
        })).ToArray());
        _installed.Clear();
    }

    private static string List(string tool)
    {
        var result = ExternalCommand.Run(tool, ["-w", "-t", "filter", "-S"], null, CommandTimeout);
        if (!result.Succeeded)
            throw new InvalidOperationException($"{tool} -w -t filter -S exited {result.ExitCode}: {result.Stderr.Trim()}");
        return result.Stdout;
    }

    private static void Restore(string tool, string script)
    {
        var result = ExternalCommand.Run(tool, ["-w", "--noflush"], script, CommandTimeout);
        if (!result.Succeeded)
            throw new InvalidOperationException($"{tool} -w --noflush exited {result.ExitCode}: {result.Stderr.Trim()} (script: {script.ReplaceLineEndings(" | ")})");
    }
}
