// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Packets;

namespace Daf.Actors.Rules;

/// <summary>
/// An immutable, compiled rule set. Queue readers hold a reference and judge packets with no
/// allocation and no lock; the rule store swaps in a new instance when the rules change.
/// </summary>
/// <remarks>
/// Semantics of <see cref="Judge"/>:
/// <list type="bullet">
/// <item>Rules are tried in chain order; the first whose criteria all hold decides; else the chain policy.</item>
/// <item>A rule with an address criterion (<c>-s</c>/<c>-d</c>), negated or not, applies only to packets of
/// that address's family: an IPv4 rule never matches an IPv6 packet (not even one with an IPv4-mapped
/// address) and vice versa. <c>0.0.0.0/0</c> matches every IPv4 packet, <c>::/0</c> every IPv6 packet.</item>
/// <item>A rule with a port criterion (<c>--sport</c>/<c>--dport</c>), negated or not, never matches a packet
/// without ports: ICMP/ICMPv6 and other portless protocols, a non-first fragment, or a packet whose L4
/// header was cut off by the copy range. So <c>! --dport 53 -v ACCEPT</c> does not accept ICMP.</item>
/// <item><c>-p all</c> (or <c>-p 0</c>) matches every packet and <c>! -p all</c> none.</item>
/// <item>Rules with identity criteria (<c>--sng-hash</c>, <c>--agg-hash</c>, <c>--unverifiable</c>, negated
/// or not) are judged per holder of the packet's socket once their other criteria hold: a DROP rule matches when
/// ANY holder satisfies every identity criterion, an ACCEPT rule only when ALL holders do and there is at least
/// one; a negated criterion holds for a holder that maps no such object / has another aggregate / is verifiable;
/// an ACCEPT rule naming a digest never matches an unverifiable holder. Without holders (unknown, or judged with
/// no <see cref="PacketIdentity"/>) no identity rule matches. Digest rules are indexed
/// (<see cref="RulesNamingObject"/>) so that their number does not raise the per-packet cost.</item>
/// <item>A snapshot judges the packets of one network namespace (the daemon's, or for a snapshot in
/// <see cref="ForeignNamespaces"/> the namespace it names): a rule that
/// <c>appliesHere</c> rejects at <see cref="Compile(RuleSet, long, Func{Rule, bool}, int, long[][])"/> (a rule
/// of another namespace) is left out and never matches, but keeps its number.</item>
/// </list>
/// Match counters: each queue reader judges with its own counter slot and is the only writer of that
/// slot's arrays (plain increments, no interlocked operation, no shared cache line between readers);
/// <see cref="MatchCounts"/> sums the slots with volatile reads. Counts carried over from the previous
/// version are in a base array written once at compile time.
/// Cost: rules naming a protocol and a destination port (or a range of up to 64 ports) are found through
/// a hash lookup, so such rules cost nearly nothing per packet whatever their number; other rules are
/// scanned, restricted to the packet's protocol.
/// </remarks>
public sealed class RuleSnapshot
{
    private readonly ChainIndex[] _chains;
    private readonly Verdict[] _policies;
    /// <summary>[chain][slot][rule position]: packets each reader slot saw the rule match.</summary>
    private readonly long[][][] _hits;
    /// <summary>[chain][rule position]: counts carried over from earlier versions.</summary>
    private readonly long[][] _carried;

    public long Version { get; }
    public ChainPolicies Policies { get; }
    /// <summary>The rule set this snapshot was compiled from.</summary>
    public RuleSet Rules { get; }
    /// <summary>How many rules (of this namespace) have identity criteria.</summary>
    public int IdentityRuleCount { get; }
    /// <summary>How many readers can count matches (slots 0 .. CounterSlots-1).</summary>
    public int CounterSlots { get; }

    /// <summary>
    /// The snapshots, of the same version, for the other namespaces rules name (<c>-n</c>): each judges the packets whose
    /// socket is in that namespace (forwarded from it or to it). Empty for a snapshot of another namespace itself.
    /// </summary>
    public IReadOnlyList<NamespaceRuleSnapshot> ForeignNamespaces => _foreign;

    /// <summary><see cref="ForeignNamespaces"/> for the hot path (no enumerator allocated).</summary>
    internal ReadOnlySpan<NamespaceRuleSnapshot> ForeignNamespaceSpan => _foreign;

    /// <summary>Rules with identity criteria in this snapshot and those of <see cref="ForeignNamespaces"/>.</summary>
    public int IdentityRuleCountAnywhere
    {
        get
        {
            int count = IdentityRuleCount;
            foreach (NamespaceRuleSnapshot foreign in _foreign)
                count += foreign.Rules.IdentityRuleCount;
            return count;
        }
    }

    private NamespaceRuleSnapshot[] _foreign = [];

    private RuleSnapshot(RuleSet rules, long version, Func<Rule, bool> appliesHere, int counterSlots, long[][]? carried,
        bool otherNamespace = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(counterSlots, 1);
        Version = version;
        Rules = rules;
        Policies = rules.Policies;
        CounterSlots = counterSlots;
        _policies = [Policies[Chain.Input], Policies[Chain.Output], Policies[Chain.Forward]];
        _chains = new ChainIndex[3];
        _hits = new long[3][][];
        _carried = new long[3][];
        int identityRules = 0;
        foreach (Chain chain in Enum.GetValues<Chain>())
        {
            int c = (int)chain;
            int length = rules[chain].Length;
            _chains[c] = new ChainIndex(rules[chain], chain, appliesHere, out int chainIdentityRules, otherNamespace);
            identityRules += chainIdentityRules;
            _hits[c] = new long[counterSlots][];
            for (int slot = 0; slot < counterSlots; slot++)
                _hits[c][slot] = new long[length];
            if (carried is not null && carried[c].Length != length)
                throw new ArgumentException($"carried counts of {chain} have {carried[c].Length} entries for {length} rules", nameof(carried));
            _carried[c] = carried?[c] ?? new long[length];
        }
        IdentityRuleCount = identityRules;
    }

    /// <summary>Compiles every rule, with one counter slot and no carried counts.</summary>
    public static RuleSnapshot Compile(RuleSet rules, long version) => new(rules, version, static _ => true, 1, null);

    /// <param name="appliesHere">False for rules that can never match the packets this snapshot judges (another namespace's).</param>
    /// <param name="counterSlots">How many readers count matches, each in its own slot.</param>
    /// <param name="carried">Per chain, per rule: match counts to start from (see <see cref="MatchCountCarrier"/>); null for zeros.</param>
    public static RuleSnapshot Compile(RuleSet rules, long version, Func<Rule, bool> appliesHere, int counterSlots, long[][]? carried) =>
        new(rules, version, appliesHere, counterSlots, carried);

    /// <summary>
    /// Compiles the snapshot of the daemon's namespace (rules for which <paramref name="appliesIn"/> holds with
    /// <paramref name="ownNamespace"/>) and one for each of <paramref name="foreign"/>, all of the same version. Carried
    /// counts go to the daemon's snapshot; <see cref="MatchCounts"/> sums them all.
    /// </summary>
    public static RuleSnapshot Compile(RuleSet rules, long version, ulong ownNamespace, Func<Rule, ulong, bool> appliesIn,
        IReadOnlyList<NamespaceHandle> foreign, int counterSlots, long[][]? carried)
    {
        var snapshot = new RuleSnapshot(rules, version, rule => appliesIn(rule, ownNamespace), counterSlots, carried);
        snapshot._foreign = foreign
            .Select(ns => new NamespaceRuleSnapshot(ns.Inode, ns.File,
                new RuleSnapshot(rules, version, rule => appliesIn(rule, ns.Inode), counterSlots, null, otherNamespace: true)))
            .ToArray();
        return snapshot;
    }

    /// <summary>Whether some rule of <paramref name="chain"/> can match here (rules of other namespaces are left out).</summary>
    public bool JudgesAnything(Chain chain) => _chains[(int)chain].CompiledCount != 0;

    /// <summary>The snapshot of the namespace <paramref name="inode"/> in <see cref="ForeignNamespaces"/>; null when no rule names it.</summary>
    public RuleSnapshot? ForNamespace(ulong inode)
    {
        foreach (NamespaceRuleSnapshot foreign in _foreign)
        {
            if (foreign.Inode == inode)
                return foreign.Rules;
        }
        return null;
    }

    /// <summary>Judges one packet: the first matching rule of the chain wins, else the chain's policy. No holder is known: identity rules do not match.</summary>
    /// <param name="matchedRule">The 0-based index of the matching rule in its chain, or -1 for the policy.</param>
    public Verdict Judge(Chain chain, in PacketHeaders headers, out int matchedRule)
    {
        if (_chains[(int)chain].TryJudge(headers, AttestedApp.None, chain, null, out Verdict verdict, out matchedRule) == RuleMatch.Match)
            return verdict;
        return _policies[(int)chain];
    }

    /// <summary>
    /// Judges one packet like <see cref="Judge(Chain, in PacketHeaders, out int)"/> and counts the match in
    /// <paramref name="counterSlot"/>, which only the calling reader may use. A slot outside
    /// 0..<see cref="CounterSlots"/>-1 judges without counting. No holder is known: identity rules do not match.
    /// </summary>
    public Verdict Judge(Chain chain, in PacketHeaders headers, int counterSlot) =>
        Judge(chain, headers, counterSlot, null, out _);

    /// <summary>
    /// Judges one packet, resolving its holders through <paramref name="identity"/> when (and only when) a rule with
    /// identity criteria is reached. <paramref name="deferred"/> is true when they are not all in memory and
    /// <paramref name="identity"/> is not final: the returned verdict is then meaningless and nothing was counted;
    /// the packet must be judged again later (by a final judge). After the call, <paramref name="identity"/> tells
    /// whether the packet consulted the holders and whether it was judged without knowing all of them.
    /// </summary>
    public Verdict Judge(Chain chain, in PacketHeaders headers, int counterSlot, PacketIdentity? identity, out bool deferred) =>
        Judge(chain, headers, counterSlot, identity, out deferred, out _);

    /// <param name="matchedRule">The 0-based index of the matching rule in its chain, or -1 for the policy (or a deferral).</param>
    public Verdict Judge(Chain chain, in PacketHeaders headers, int counterSlot, PacketIdentity? identity, out bool deferred, out int matchedRule) =>
        Judge(chain, headers, AttestedApp.None, counterSlot, identity, out deferred, out matchedRule);

    /// <param name="app">What the packet's verified tag attests: <c>--sig-app</c> criteria match against it.</param>
    public Verdict Judge(Chain chain, in PacketHeaders headers, in AttestedApp app, int counterSlot, PacketIdentity? identity, out bool deferred, out int matchedRule)
    {
        identity?.Begin();
        RuleMatch match = _chains[(int)chain].TryJudge(headers, app, chain, identity, out Verdict verdict, out int matched);
        deferred = match == RuleMatch.Deferred;
        matchedRule = matched;
        if (match != RuleMatch.Match)
            return _policies[(int)chain];
        long[][] slots = _hits[(int)chain];
        if ((uint)counterSlot < (uint)slots.Length)
        {
            ref long hits = ref slots[counterSlot][matched];
            Volatile.Write(ref hits, hits + 1);
        }
        return verdict;
    }

    /// <summary>
    /// Packets each rule of the chain matched, in chain order, including counts carried from earlier versions and the
    /// matches in the snapshots of <see cref="ForeignNamespaces"/>.
    /// </summary>
    public long[] MatchCounts(Chain chain)
    {
        long[] counts = (long[])_carried[(int)chain].Clone();
        foreach (long[] slot in _hits[(int)chain])
        {
            for (int i = 0; i < counts.Length; i++)
                counts[i] += Volatile.Read(ref slot[i]);
        }
        foreach (NamespaceRuleSnapshot foreign in _foreign)
        {
            long[] theirs = foreign.Rules.MatchCounts(chain);
            for (int i = 0; i < counts.Length; i++)
                counts[i] += theirs[i];
        }
        return counts;
    }

    /// <summary>The positions, in chain order, of the chain's rules (of this namespace) with a non-negated <c>--sng-hash</c> of <paramref name="digest"/>.</summary>
    public ReadOnlySpan<int> RulesNamingObject(Chain chain, in Sha256Digest digest) => _chains[(int)chain].RulesNamingObject(digest);

    /// <summary>The positions, in chain order, of the chain's rules (of this namespace) with a non-negated <c>--agg-hash</c> of <paramref name="digest"/>.</summary>
    public ReadOnlySpan<int> RulesNamingAggregate(Chain chain, in Sha256Digest digest) => _chains[(int)chain].RulesNamingAggregate(digest);
}
