// SPDX-License-Identifier: Apache-2.0
using System.Globalization;
using System.Text;
using Daf.Actors.Rules;

namespace Daf.Actors.Host;

/// <summary>
/// The iptables-restore scripts (<c>--noflush</c>, filter table) behind <c>--install-rules</c>, computed from
/// what <c>iptables -S</c> lists. app-fw owns the chains <c>DAF-OUTPUT</c>, <c>DAF-INPUT</c> and
/// <c>DAF-FORWARD</c> and the plain jumps to them (<c>-A OUTPUT -j DAF-OUTPUT</c>); nothing else is touched.
/// Installing replaces whatever set a killed app-fw left (its jumps deleted, its chains flushed and reused,
/// or removed when their queue is off now) in the same transaction that adds the new set, so there is never
/// a duplicate nor a moment without the jump. Each script is all or nothing.
/// </summary>
public static class NfQueueJumpScript
{
    public static string OwnChain(Chain chain) => "DAF-" + BuiltinChain(chain);

    public static string BuiltinChain(Chain chain) => chain.ToString().ToUpperInvariant();

    /// <summary>The rule in app-fw's chain that queues every packet to <paramref name="queue"/>, as iptables -S lists it.</summary>
    public static string QueueRule(Chain chain, ushort queue, bool failClosed) =>
        string.Create(CultureInfo.InvariantCulture, $"-A {OwnChain(chain)} -j NFQUEUE --queue-num {queue}{(failClosed ? "" : " --queue-bypass")}");

    public static string Jump(Chain chain) => $"-A {BuiltinChain(chain)} -j {OwnChain(chain)}";

    /// <summary>
    /// Adds a jump at the top of each configured chain to app-fw's chain, which queues to the chain's queue
    /// (with <c>--queue-bypass</c> unless <paramref name="failClosed"/>), replacing any earlier set.
    /// </summary>
    public static string Install(string listing, IEnumerable<(Chain Chain, ushort Queue)> queues, bool failClosed)
    {
        var found = Listing.Parse(listing);
        var wanted = queues.ToDictionary(q => q.Chain, q => q.Queue);
        var script = new StringBuilder("*filter\n");
        foreach (Chain chain in Enum.GetValues<Chain>())
        {
            if (wanted.ContainsKey(chain) || found.ChainExists(chain))
                script.Append(':').Append(OwnChain(chain)).Append(" - [0:0]\n"); // creates it, or flushes the one left
        }
        foreach (Chain chain in Enum.GetValues<Chain>())
        {
            for (int i = 0; i < found.Jumps(chain); i++)
                script.Append("-D ").Append(BuiltinChain(chain)).Append(" -j ").Append(OwnChain(chain)).Append('\n');
            if (wanted.TryGetValue(chain, out ushort queue))
            {
                script.Append(QueueRule(chain, queue, failClosed)).Append('\n');
                script.Append("-I ").Append(BuiltinChain(chain)).Append(" 1 -j ").Append(OwnChain(chain)).Append('\n');
            }
            else if (found.ChainExists(chain) && !found.ReferencedByOthers(chain))
            {
                script.Append("-X ").Append(OwnChain(chain)).Append('\n');
            }
        }
        return script.Append("COMMIT\n").ToString();
    }

    /// <summary>
    /// Deletes app-fw's jumps and chains; null when there is none. A chain another rule still jumps to is
    /// flushed (so the jump does nothing) but kept, since deleting it would fail the whole script.
    /// </summary>
    public static string? Remove(string listing)
    {
        var found = Listing.Parse(listing);
        var script = new StringBuilder("*filter\n");
        bool any = false;
        foreach (Chain chain in Enum.GetValues<Chain>())
        {
            if (found.ChainExists(chain))
            {
                script.Append(':').Append(OwnChain(chain)).Append(" - [0:0]\n");
                any = true;
            }
        }
        foreach (Chain chain in Enum.GetValues<Chain>())
        {
            for (int i = 0; i < found.Jumps(chain); i++)
            {
                script.Append("-D ").Append(BuiltinChain(chain)).Append(" -j ").Append(OwnChain(chain)).Append('\n');
                any = true;
            }
            if (found.ChainExists(chain) && !found.ReferencedByOthers(chain))
                script.Append("-X ").Append(OwnChain(chain)).Append('\n');
        }
        return any ? script.Append("COMMIT\n").ToString() : null;
    }

    /// <summary>The lines <c>iptables -S</c> shows for app-fw's chains and jumps right after <see cref="Install"/>.</summary>
    public static string Installed(IEnumerable<(Chain Chain, ushort Queue)> queues, bool failClosed) =>
        string.Concat(queues.Select(q => $"-N {OwnChain(q.Chain)}\n{Jump(q.Chain)}\n{QueueRule(q.Chain, q.Queue, failClosed)}\n"));

    /// <summary>What an <c>iptables -S</c> listing of the filter table says about app-fw's chains.</summary>
    private sealed class Listing
    {
        private readonly bool[] _exists = new bool[3];
        private readonly int[] _jumps = new int[3];
        private readonly bool[] _foreign = new bool[3];

        public bool ChainExists(Chain chain) => _exists[(int)chain];
        public int Jumps(Chain chain) => _jumps[(int)chain];
        /// <summary>Some rule other than app-fw's own jump targets the chain (someone added it by hand).</summary>
        public bool ReferencedByOthers(Chain chain) => _foreign[(int)chain];

        public static Listing Parse(string listing)
        {
            var result = new Listing();
            foreach (var raw in listing.Split('\n'))
            {
                string line = raw.Trim();
                foreach (Chain chain in Enum.GetValues<Chain>())
                {
                    string own = OwnChain(chain);
                    if (line == "-N " + own) result._exists[(int)chain] = true;
                    else if (line == Jump(chain)) result._jumps[(int)chain]++;
                    else if (line.EndsWith(" -j " + own, StringComparison.Ordinal) || line.Contains(" -j " + own + " ", StringComparison.Ordinal)
                             || line.EndsWith(" -g " + own, StringComparison.Ordinal) || line.Contains(" -g " + own + " ", StringComparison.Ordinal))
                        result._foreign[(int)chain] = true;
                }
            }
            return result;
        }
    }
}
