// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;
using Daf.Interop.Packets;
using static Daf.Actors.Tests.Rules.Packets;
using static Daf.Interop.Packets.IpProtocolNumbers;
using Daf.Tests.Shared;

namespace Daf.Actors.Tests.Rules;

public class RuleSnapshotTests
{
    private const string Hash = "6a3cf1c479f446eb0ef266a2607cd4f6751a655937a7103f7657db6cb6b3f49a";

    private static RuleSnapshot Compile(ChainPolicies policies, params string[] lines) =>
        RuleSnapshot.Compile(RulesFile.Parse("test", lines, policies), version: 7);

    private static RuleSnapshot Compile(params string[] lines) => Compile(ChainPolicies.AllAccept, lines);

    /// <summary>Whether the single OUTPUT DROP rule <paramref name="criteria"/> matches the packet.</summary>
    private static bool Matches(string criteria, PacketHeaders packet)
    {
        RuleSnapshot snapshot = Compile($"-A -c OUTPUT {criteria} -v DROP");
        Verdict verdict = snapshot.Judge(Chain.Output, packet, out int matched);
        Assert.Equal(verdict == Verdict.Drop ? 0 : -1, matched);
        return verdict == Verdict.Drop;
    }

    [Fact]
    public void Empty_snapshot_returns_each_chains_policy()
    {
        RuleSnapshot snapshot = Compile(new ChainPolicies(Verdict.Drop, Verdict.Accept, Verdict.Drop));
        PacketHeaders packet = Udp("10.0.0.1", "10.0.0.2", 1, 2);

        Assert.Equal(Verdict.Drop, snapshot.Judge(Chain.Input, packet, out int matched));
        Assert.Equal(-1, matched);
        Assert.Equal(Verdict.Accept, snapshot.Judge(Chain.Output, packet, out _));
        Assert.Equal(Verdict.Drop, snapshot.Judge(Chain.Forward, packet, out _));
        Assert.Equal(7, snapshot.Version);
    }

    [Fact]
    public void First_matching_rule_wins_in_chain_order()
    {
        RuleSnapshot snapshot = Compile(
            "-A -c OUTPUT -p tcp --dport 22 -v ACCEPT",
            "-A -c OUTPUT -d 10.0.0.0/8 -v DROP",
            "-A -c OUTPUT -p tcp -v ACCEPT",
            "-A -c OUTPUT -v DROP");

        Assert.Equal(Verdict.Accept, snapshot.Judge(Chain.Output, Tcp("10.9.9.9", "10.0.0.5", 5000, 22), out int m0));
        Assert.Equal(0, m0);
        Assert.Equal(Verdict.Drop, snapshot.Judge(Chain.Output, Tcp("10.9.9.9", "10.0.0.5", 5000, 80), out int m1));
        Assert.Equal(1, m1);
        Assert.Equal(Verdict.Accept, snapshot.Judge(Chain.Output, Tcp("10.9.9.9", "192.168.0.5", 5000, 80), out int m2));
        Assert.Equal(2, m2);
        Assert.Equal(Verdict.Drop, snapshot.Judge(Chain.Output, Udp("10.9.9.9", "192.168.0.5", 5000, 80), out int m3));
        Assert.Equal(3, m3);
    }

    [Fact]
    public void Rules_apply_only_to_their_chain()
    {
        RuleSnapshot snapshot = Compile("-A -c INPUT -p udp -v DROP");
        PacketHeaders packet = Udp("10.0.0.1", "10.0.0.2", 1, 2);

        Assert.Equal(Verdict.Drop, snapshot.Judge(Chain.Input, packet, out _));
        Assert.Equal(Verdict.Accept, snapshot.Judge(Chain.Output, packet, out _));
        Assert.Equal(Verdict.Accept, snapshot.Judge(Chain.Forward, packet, out _));
    }

    [Fact]
    public void Policy_applies_when_no_rule_matches()
    {
        RuleSnapshot snapshot = Compile(new ChainPolicies(Verdict.Accept, Verdict.Drop, Verdict.Accept),
            "-A -c OUTPUT -p udp --dport 53 -v ACCEPT");

        Assert.Equal(Verdict.Accept, snapshot.Judge(Chain.Output, Udp("10.0.0.1", "10.0.0.2", 1, 53), out _));
        Assert.Equal(Verdict.Drop, snapshot.Judge(Chain.Output, Udp("10.0.0.1", "10.0.0.2", 1, 54), out int matched));
        Assert.Equal(-1, matched);
    }

    [Theory]
    [InlineData("-s 10.0.0.0/8", "10.255.255.255", true)]
    [InlineData("-s 10.0.0.0/8", "11.0.0.0", false)]
    [InlineData("-s 10.1.2.3/8", "10.200.0.1", true)]
    [InlineData("-s 10.0.0.1/32", "10.0.0.1", true)]
    [InlineData("-s 10.0.0.1", "10.0.0.2", false)]
    [InlineData("-s 0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("-s 0.0.0.0/0", "fd00::1", false)]
    [InlineData("-s 10.0.0.0/8", "::ffff:10.0.0.1", false)]
    [InlineData("-s ::/0", "fd00::1", true)]
    [InlineData("-s ::/0", "10.0.0.1", false)]
    [InlineData("-s fd00::/8", "fdff:ffff::1", true)]
    [InlineData("-s fd00::/8", "fe00::1", false)]
    [InlineData("-s fd00::1/128", "fd00::1", true)]
    [InlineData("-s fd00::1/128", "fd00::2", false)]
    [InlineData("-s fd00::1:0/127", "fd00::1:1", true)]
    [InlineData("! -s 10.0.0.0/8", "11.0.0.1", true)]
    [InlineData("! -s 10.0.0.0/8", "10.0.0.1", false)]
    [InlineData("! -s 10.0.0.0/8", "fd00::1", false)]
    [InlineData("! -s fd00::/8", "10.0.0.1", false)]
    public void Source_prefix_semantics(string criteria, string source, bool matches) =>
        Assert.Equal(matches, Matches(criteria, Udp(source, source.Contains(':') ? "fd00::ff" : "192.0.2.1", 1, 2)));

    [Theory]
    [InlineData("-d 192.0.2.0/24", "192.0.2.77", true)]
    [InlineData("-d 192.0.2.0/24", "192.0.3.1", false)]
    [InlineData("-! -d 192.0.2.0/24", "192.0.3.1", true)]
    [InlineData("-d 2001:db8::/32", "2001:db8:1::1", true)]
    [InlineData("--not -d 2001:db8::/32", "2001:db9::1", true)]
    public void Destination_prefix_semantics(string criteria, string destination, bool matches) =>
        Assert.Equal(matches, Matches(criteria, Udp(destination.Contains(':') ? "fd00::ff" : "192.0.2.1", destination, 1, 2)));

    [Fact]
    public void Protocol_criteria_and_negation()
    {
        PacketHeaders udp = Udp("10.0.0.1", "10.0.0.2", 1, 2);
        PacketHeaders icmp = Portless(IPPROTO_ICMP, "10.0.0.1", "10.0.0.2");

        Assert.True(Matches("-p udp", udp));
        Assert.False(Matches("-p tcp", udp));
        Assert.True(Matches("! -p tcp", udp));
        Assert.False(Matches("! -p udp", udp));
        Assert.True(Matches("-p icmp", icmp));
        Assert.True(Matches("-p 1", icmp));
        Assert.True(Matches("-p all", icmp));
        Assert.False(Matches("! -p all", udp));
    }

    [Theory]
    [InlineData("--dport 53", 53, true)]
    [InlineData("--dport 53", 54, false)]
    [InlineData("--dport 1000:2000", 999, false)]
    [InlineData("--dport 1000:2000", 1000, true)]
    [InlineData("--dport 1000:2000", 2000, true)]
    [InlineData("--dport 1000:2000", 2001, false)]
    [InlineData("--dport 0:65535", 0, true)]
    [InlineData("--dport 65535", 65535, true)]
    [InlineData("! --dport 53", 53, false)]
    [InlineData("! --dport 53", 54, true)]
    [InlineData("-p udp --dport 40000:40100", 40050, true)]
    [InlineData("-p tcp --dport 53", 53, false)]
    public void Destination_port_semantics(string criteria, int port, bool matches) =>
        Assert.Equal(matches, Matches(criteria, Udp("10.0.0.1", "10.0.0.2", 12345, (ushort)port)));

    [Theory]
    [InlineData("--sport 12345", true)]
    [InlineData("--sport 1:1024", false)]
    [InlineData("! --sport 1:1024", true)]
    [InlineData("--sport 12345 --dport 80", true)]
    [InlineData("--sport 12345 ! --dport 80", false)]
    public void Source_port_semantics(string criteria, bool matches) =>
        Assert.Equal(matches, Matches(criteria, Tcp("fd00::1", "fd00::2", 12345, 80)));

    [Theory]
    [InlineData("--dport 53")]
    [InlineData("! --dport 53")]
    [InlineData("--sport 0:65535")]
    [InlineData("! --sport 1")]
    public void Port_criteria_never_match_portless_packets(string criteria)
    {
        Assert.False(Matches(criteria, Portless(IPPROTO_ICMP, "10.0.0.1", "10.0.0.2")));
        Assert.False(Matches(criteria, Portless(IPPROTO_ICMPV6, "fd00::1", "fd00::2")));
        Assert.False(Matches(criteria, LaterFragment(IPPROTO_UDP, "10.0.0.1", "10.0.0.2")));
        Assert.False(Matches(criteria, Portless(IPPROTO_UDP, "10.0.0.1", "10.0.0.2"))); // ports cut off by the copy range
    }

    [Fact]
    public void Later_fragment_matches_protocol_and_address_rules()
    {
        PacketHeaders fragment = LaterFragment(IPPROTO_UDP, "10.0.0.1", "10.0.0.2");

        Assert.True(Matches("-p udp -d 10.0.0.2", fragment));
    }

    [Fact]
    public void All_criteria_must_hold()
    {
        const string criteria = "-s 10.0.0.0/24 -d 10.0.1.0/24 -p tcp --sport 1024:65535 --dport 443";

        Assert.True(Matches(criteria, Tcp("10.0.0.9", "10.0.1.9", 50000, 443)));
        Assert.False(Matches(criteria, Tcp("10.0.2.9", "10.0.1.9", 50000, 443)));
        Assert.False(Matches(criteria, Tcp("10.0.0.9", "10.0.2.9", 50000, 443)));
        Assert.False(Matches(criteria, Udp("10.0.0.9", "10.0.1.9", 50000, 443)));
        Assert.False(Matches(criteria, Tcp("10.0.0.9", "10.0.1.9", 80, 443)));
        Assert.False(Matches(criteria, Tcp("10.0.0.9", "10.0.1.9", 50000, 444)));
    }

    [Fact]
    public void Identity_rules_never_match_and_are_counted()
    {
        RuleSnapshot snapshot = Compile(
            $"-A -c OUTPUT -n /proc/1/ns/net --sng-hash {Hash} -v DROP",
            $"-A -c OUTPUT ! --agg-hash {Hash} -v DROP",
            "-A -c INPUT --unverifiable -v DROP",
            "-A -c INPUT ! --unverifiable -v DROP",
            "-A -c OUTPUT -p udp -v DROP");

        Assert.Equal(4, snapshot.IdentityRuleCount);
        Assert.Equal(Verdict.Drop, snapshot.Judge(Chain.Output, Udp("10.0.0.1", "10.0.0.2", 1, 2), out int matched));
        Assert.Equal(2, matched);
        Assert.Equal(Verdict.Accept, snapshot.Judge(Chain.Output, Tcp("10.0.0.1", "10.0.0.2", 1, 2), out _));
        Assert.Equal(Verdict.Accept, snapshot.Judge(Chain.Input, Tcp("10.0.0.1", "10.0.0.2", 1, 2), out _));
    }

    [Fact]
    public void Namespace_alone_does_not_stop_a_rule_from_matching()
    {
        Assert.True(Matches("-n /proc/1/ns/net -p udp", Udp("10.0.0.1", "10.0.0.2", 1, 2)));
    }

    [Fact]
    public void Rule_without_protocol_but_with_port_matches_every_port_protocol()
    {
        RuleSnapshot snapshot = Compile("-A -c OUTPUT --dport 9 -v DROP");

        foreach (byte protocol in new[] { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDPLITE, IPPROTO_SCTP, IPPROTO_DCCP })
            Assert.Equal(Verdict.Drop, snapshot.Judge(Chain.Output, WithPorts(protocol, "10.0.0.1", "10.0.0.2", 1, 9), out _));
        Assert.Equal(Verdict.Accept, snapshot.Judge(Chain.Output, WithPorts(IPPROTO_UDP, "10.0.0.1", "10.0.0.2", 1, 10), out _));
    }

    [Fact]
    public void Prefiltered_buckets_keep_chain_order()
    {
        // Rules land in different buckets (port-keyed, protocol-keyed, general, wide range); order must still be the chain's.
        string[] lines =
        [
            "-A -c OUTPUT -p udp --dport 5000:9000 -v ACCEPT",
            "-A -c OUTPUT -p udp --dport 53 -v DROP",
            "-A -c OUTPUT -p udp -v ACCEPT",
            "-A -c OUTPUT -d 10.0.0.0/8 -v DROP",
            "-A -c OUTPUT --dport 53 -v ACCEPT",
            "-A -c OUTPUT -p tcp --dport 80:90 -v DROP",
            "-A -c OUTPUT -v ACCEPT",
        ];
        RuleSnapshot snapshot = Compile(new ChainPolicies(Verdict.Drop, Verdict.Drop, Verdict.Drop), lines);

        (PacketHeaders Packet, int Rule)[] cases =
        [
            (Udp("10.0.0.1", "10.0.0.2", 1, 6000), 0),
            (Udp("10.0.0.1", "10.0.0.2", 1, 53), 1),
            (Udp("10.0.0.1", "10.0.0.2", 1, 54), 2),
            (Tcp("10.0.0.1", "10.0.0.2", 1, 53), 3),
            (Tcp("fd00::1", "fd00::2", 1, 53), 4),
            (Tcp("fd00::1", "fd00::2", 1, 85), 5),
            (Tcp("fd00::1", "fd00::2", 1, 91), 6),
            (Portless(IPPROTO_ICMPV6, "fd00::1", "fd00::2"), 6),
        ];
        foreach (var (packet, rule) in cases)
        {
            Verdict verdict = snapshot.Judge(Chain.Output, packet, out int matched);
            Assert.Equal(rule, matched);
            Assert.Equal(rule is 1 or 3 or 5 ? Verdict.Drop : Verdict.Accept, verdict);
        }
    }

    [Fact]
    public void Prefilter_agrees_with_a_linear_scan_on_random_rules()
    {
        var random = new Random(4242);
        string[] protocols = ["tcp", "udp", "icmp", "sctp", "all"];
        for (int round = 0; round < 50; round++)
        {
            var lines = new List<string>();
            for (int i = 0; i < 30; i++)
            {
                var parts = new List<string> { "-A -c OUTPUT" };
                if (random.Next(3) == 0)
                    parts.Add($"{Negation(random)}-d 10.0.{random.Next(4)}.0/24");
                string protocol = protocols[random.Next(protocols.Length)];
                if (random.Next(2) == 0)
                    parts.Add($"{Negation(random)}-p {protocol}");
                if (random.Next(2) == 0 && protocol != "icmp")
                {
                    int first = random.Next(1, 20);
                    parts.Add($"{Negation(random)}--dport {first}:{first + random.Next(0, random.Next(2) == 0 ? 3 : 100)}");
                }
                if (random.Next(4) == 0 && protocol != "icmp")
                    parts.Add($"{Negation(random)}--sport {random.Next(1, 5)}");
                parts.Add(random.Next(2) == 0 ? "-v DROP" : "-v ACCEPT");
                lines.Add(string.Join(' ', parts));
            }
            RuleSet rules = RulesFile.Parse("random", lines, ChainPolicies.AllAccept);
            RuleSnapshot snapshot = RuleSnapshot.Compile(rules, round);

            for (int p = 0; p < 200; p++)
            {
                byte protocol = new byte[] { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_SCTP }[random.Next(4)];
                string destination = $"10.0.{random.Next(5)}.1";
                PacketHeaders packet = protocol == IPPROTO_ICMP
                    ? Portless(protocol, "10.9.0.1", destination)
                    : WithPorts(protocol, "10.9.0.1", destination, (ushort)random.Next(1, 6), (ushort)random.Next(0, 130));

                Verdict verdict = snapshot.Judge(Chain.Output, packet, out int matched);
                int expected = rules[Chain.Output].ToList().FindIndex(rule => ReferenceMatches(rule, packet));
                Assert.Equal(expected, matched);
                Assert.Equal(expected < 0 ? Verdict.Accept : rules[Chain.Output][expected].Verdict, verdict);
            }
        }

        static string Negation(Random random) => random.Next(4) == 0 ? "! " : "";
    }

    /// <summary>The documented semantics, written straight from the model, without compilation or buckets.</summary>
    private static bool ReferenceMatches(Rule rule, PacketHeaders packet)
    {
        if (rule.HasIdentityCriteria)
            return false;
        foreach (var (prefix, address) in new[] { (rule.Source, packet.Source), (rule.Destination, packet.Destination) })
        {
            if (prefix is { } p && (packet.IpVersion != (p.Value.IsIPv4 ? 4 : 6) || p.Value.Contains(address) == p.Negated))
                return false;
        }
        if (rule.Protocol is { } protocol && (protocol.Value.IsAll || protocol.Value.Number == packet.Protocol) == protocol.Negated)
            return false;
        foreach (var (range, port) in new[] { (rule.SourcePort, packet.SourcePort), (rule.DestinationPort, packet.DestinationPort) })
        {
            if (range is { } r && (!packet.HasPorts || r.Value.Contains(port) == r.Negated))
                return false;
        }
        return true;
    }

    [Fact]
    public void Judge_allocates_nothing()
    {
        var lines = Enumerable.Range(0, 100).Select(i => $"-A -c OUTPUT -p udp --dport {10000 + i} -v DROP")
            .Append("-A -c OUTPUT -d fd00::/16 ! -p tcp -v DROP")
            .Append("-A -c OUTPUT -s 10.0.0.0/8 --sport 1:1000 -v DROP")
            .ToArray();
        RuleSnapshot snapshot = Compile(lines);
        PacketHeaders[] packets =
        [
            Udp("10.0.0.1", "10.0.0.2", 40000, 9),
            Udp("10.0.0.1", "10.0.0.2", 40000, 10050),
            Tcp("fd00::1", "fd00::2", 40000, 443),
            Portless(IPPROTO_ICMPV6, "fd00::1", "fd00::2"),
        ];
        int drops = 0, next = 0;
        long allocated = Allocations.Measure(() => drops += (int)snapshot.Judge(Chain.Output, packets[next++ % packets.Length], out _));

        Assert.InRange(allocated, 0, Allocations.StrayBytes);
        Assert.Equal(30_000 / 2, drops);
    }

    [Fact]
    public void Sig_app_matches_only_the_attested_application_and_its_negation_everything_else()
    {
        const string Other = "0000000000000000000000000000000000000000000000000000000000000001";
        RuleSnapshot snapshot = Compile(new ChainPolicies(Verdict.Accept, Verdict.Accept, Verdict.Drop),
            $"-A -c FORWARD --sig-app {Hash} -p udp -v ACCEPT",
            $"-A -c FORWARD ! --sig-app {Other} -p tcp -v ACCEPT");
        PacketHeaders udp = Udp("10.0.0.1", "10.0.0.2", 1, 2);
        PacketHeaders tcp = Tcp("10.0.0.1", "10.0.0.2", 1, 2);
        AttestedApp attested = AttestedApp.Of(0x6a3cf1c479f446ebUL);
        AttestedApp other = AttestedApp.Of(Sha256Digest.FromBytes(Convert.FromHexString(Other)).Word0);

        Verdict Judge(in PacketHeaders packet, AttestedApp app) => snapshot.Judge(Chain.Forward, packet, app, 0, null, out _, out _);

        Assert.Equal(Verdict.Accept, Judge(udp, attested));
        Assert.Equal(Verdict.Drop, Judge(udp, other));
        Assert.Equal(Verdict.Drop, Judge(udp, AttestedApp.None));
        Assert.Equal(Verdict.Accept, Judge(tcp, attested));
        Assert.Equal(Verdict.Accept, Judge(tcp, AttestedApp.None));
        Assert.Equal(Verdict.Drop, Judge(tcp, other));
    }
}
