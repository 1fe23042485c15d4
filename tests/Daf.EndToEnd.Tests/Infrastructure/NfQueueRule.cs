// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Inserts `-j NFQUEUE` rules with iptables and ip6tables INSIDE one of a bed's namespaces (never the
/// initial one); they vanish with the namespace.
/// </summary>
public static class NfQueueRule
{
    /// <param name="match">extra iptables match arguments, e.g. `-p udp`.</param>
    public static void Insert(NetnsBed bed, string ns, string chain, int queue, bool bypass, params string[] match)
    {
        foreach (var tool in new[] { "iptables", "ip6tables" })
        {
            string[] argv = [tool, "-w", "-I", chain, .. match, "-j", "NFQUEUE", "--queue-num", queue.ToString()];
            if (bypass)
                argv = [.. argv, "--queue-bypass"];
            bed.Exec(ns, argv).EnsureSuccess();
        }
    }

    /// <summary>The usual setup: OUTPUT to queue 0 and INPUT to queue 1, the daemon's defaults.</summary>
    public static void InsertOutputAndInput(NetnsBed bed, string ns, bool bypass, params string[] match)
    {
        Insert(bed, ns, "OUTPUT", 0, bypass, match);
        Insert(bed, ns, "INPUT", 1, bypass, match);
    }
}
