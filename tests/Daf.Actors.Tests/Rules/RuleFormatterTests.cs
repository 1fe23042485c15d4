// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;

namespace Daf.Actors.Tests.Rules;

public class RuleFormatterTests
{
    private const string Hash = "6a3cf1c479f446eb0ef266a2607cd4f6751a655937a7103f7657db6cb6b3f49a";

    [Fact]
    public void Format_writes_policies_then_rules_in_ctl_fw_syntax()
    {
        RuleSet rules = RulesFile.Parse("test", ["-P OUTPUT DROP", "-A -c OUTPUT -p UDP --dport 9 -v drop", "-A -c INPUT -s 10.1.2.3/8 -v ACCEPT"],
            ChainPolicies.AllAccept);

        string text = RuleFormatter.Format(rules);

        Assert.Equal(
            "-P INPUT ACCEPT\n-P OUTPUT DROP\n-P FORWARD ACCEPT\n" +
            "-A -c INPUT -s 10.0.0.0/8 -v ACCEPT\n" +
            "-A -c OUTPUT -p udp --dport 9 -v DROP\n",
            text);
    }

    [Fact]
    public void Round_trip_through_a_file_gives_an_equal_rule_set()
    {
        string[] lines =
        [
            "-P INPUT DROP",
            "-P FORWARD DROP",
            "-A -c OUTPUT -v DROP -n /proc/1234/ns/net --sng-hash " + Hash,
            "-A -c OUTPUT ! -s 10.0.0.0/8 -d 192.168.0.1 -p tcp ! --sport 1:1023 --dport 443 -v ACCEPT",
            "-A -c OUTPUT -s fd00:0:0:0::1 ! -d 2001:db8::/32 -! -p icmpv6 -v DROP",
            "-A -c OUTPUT -s ::ffff:10.0.0.1 -p ipv6-icmp -v DROP",
            "-A -c INPUT --not --agg-hash " + Hash.ToUpperInvariant() + " ! --unverifiable -l l3 -v DROP",
            "-A -c INPUT --unverifiable ! -n '/run/netns/with space' -l L4 -v ACCEPT",
            "-A -c INPUT -n \"/run/netns/it's\" -v ACCEPT",
            "-A -c FORWARD -p 99 -v ACCEPT",
            "-A -c FORWARD --sig-app " + Hash + " -v ACCEPT",
            "-A -c INPUT -p tcp ! --sig-app " + Hash + " -v DROP",
            "-A -c FORWARD --sport :80 --dport 1024: -v ACCEPT",
            "-A -c FORWARD -p all -s 0.0.0.0/0 -d 0.0.0.0/0 -v DROP",
            "-A -c FORWARD -d ::/0 -v DROP",
            "-A -c FORWARD ! -p all -v DROP",
        ];
        RuleSet original = RulesFile.Parse("original", lines, ChainPolicies.AllAccept);
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, RuleFormatter.Format(original));

            RuleSet loaded = RulesFile.Load(path, ChainPolicies.AllAccept);

            Assert.Equal(original, loaded);
            Assert.Equal(RuleFormatter.Format(original), RuleFormatter.Format(loaded));
            Assert.Equal(lines.Length - 2, loaded.Count);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Negations_and_ipv6_render_canonically()
    {
        Rule rule = Assert.IsType<RuleCommand.Append>(RuleCommandParser.ParseLine(
            "-A -c OUTPUT -! -s FD00:0000::0001/64 --not --dport 53 ! --unverifiable -v DROP").Command).Rule;

        Assert.Equal("-A -c OUTPUT ! -s fd00::/64 ! --dport 53 ! --unverifiable -v DROP", RuleFormatter.FormatRule(rule));
    }

    [Fact]
    public void Random_rule_sets_round_trip()
    {
        var random = new Random(77);
        string[] protocols = ["tcp", "udp", "sctp", "dccp", "udplite", "all", "6"];
        Func<Random, string>[] criteria =
        [
            r => $"-s 10.{r.Next(256)}.{r.Next(256)}.0/{r.Next(33)}",
            r => $"-d 10.{r.Next(256)}.0.{r.Next(256)}",
            r => $"-p {protocols[r.Next(protocols.Length)]}",
            r => $"--sport {r.Next(65536)}",
            r => r.Next(30000) is var first ? $"--dport {first}:{first + r.Next(30000)}" : "",
            r => "--sng-hash " + Convert.ToHexString(RandomBytes(r, 32)),
            r => "--agg-hash " + Convert.ToHexString(RandomBytes(r, 32)).ToLowerInvariant(),
            _ => "--unverifiable",
            r => $"-n /proc/{r.Next(1, 99999)}/ns/net",
        ];
        for (int round = 0; round < 200; round++)
        {
            var lines = new List<string> { $"-P OUTPUT {(random.Next(2) == 0 ? "DROP" : "ACCEPT")}" };
            for (int i = random.Next(0, 10); i > 0; i--)
            {
                var parts = new List<string> { "-A", "-c", random.Next(3) switch { 0 => "INPUT", 1 => "OUTPUT", _ => "FORWARD" } };
                foreach (var criterion in criteria.OrderBy(_ => random.Next()).Take(random.Next(0, 6)))
                    parts.Add((random.Next(3) == 0 ? "! " : "") + criterion(random));
                if (random.Next(4) == 0)
                    parts.Add(random.Next(2) == 0 ? "-l l3" : "-l l4");
                parts.Add(random.Next(2) == 0 ? "-v DROP" : "-v ACCEPT");
                lines.Add(string.Join(' ', parts));
            }
            RuleSet original = RulesFile.Parse($"round {round}", lines, ChainPolicies.AllAccept);

            RuleSet reparsed = RulesFile.Parse("formatted", RuleFormatter.Format(original).Split('\n'), ChainPolicies.AllAccept);

            Assert.Equal(original, reparsed);
        }
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
