// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;
using Daf.Actors.Signatures;

namespace Daf.Actors.Tests.Rules;

public class RuleCommandParserTests
{
    private const string CurlHash = "6a3cf1c479f446eb0ef266a2607cd4f6751a655937a7103f7657db6cb6b3f49a";

    private static Rule AppendedRule(string line)
    {
        RuleParseResult result = RuleCommandParser.ParseLine(line);
        Assert.True(result.Success, result.Error);
        return Assert.IsType<RuleCommand.Append>(result.Command).Rule;
    }

    private static string Error(string line)
    {
        RuleParseResult result = RuleCommandParser.ParseLine(line);
        Assert.False(result.Success, $"'{line}' parsed as {result.Command}");
        return result.Error;
    }

    private static IpPrefix Prefix(string text)
    {
        Assert.True(IpPrefix.TryParse(text, out var prefix, out string? error), error);
        return prefix;
    }

    [Fact]
    public void Original_readme_example_parses_verbatim()
    {
        string[] arguments = ["-A", "-c", "OUTPUT", "-v", "DROP", "-n", "/proc/1234/ns/net", "--sng-hash", CurlHash];

        RuleParseResult result = RuleCommandParser.Parse(arguments);

        Assert.True(result.Success, result.Error);
        Rule rule = Assert.IsType<RuleCommand.Append>(result.Command).Rule;
        Assert.Equal(Chain.Output, rule.Chain);
        Assert.Equal(Verdict.Drop, rule.Verdict);
        Assert.Equal(new Criterion<string>("/proc/1234/ns/net"), rule.Namespace);
        Assert.Equal(CurlHash, rule.SingleHash!.Value.Value.ToString());
        Assert.False(rule.SingleHash.Value.Negated);
        Assert.True(rule.HasIdentityCriteria);
    }

    [Fact]
    public void Brief_example_rule_parses_with_long_and_short_options_alike()
    {
        Rule shortForm = AppendedRule("-A -c OUTPUT -p udp --dport 9 -v DROP");
        Rule longForm = AppendedRule("--append --chain OUTPUT --proto udp --dport 9 --vrdct DROP");

        Assert.Equal(shortForm, longForm);
        Assert.Equal(new IpProtocol(17), shortForm.Protocol!.Value.Value);
        Assert.Equal(PortRange.Single(9), shortForm.DestinationPort!.Value.Value);
        Assert.Null(shortForm.Source);
        Assert.False(shortForm.HasIdentityCriteria);
    }

    [Fact]
    public void Every_criterion_is_stored()
    {
        Rule rule = AppendedRule(
            "-A -c FORWARD -s 10.0.0.0/8 -d 192.168.1.1 -p tcp --sport 1024:65535 --dport 443 " +
            $"--sng-hash {CurlHash} --agg-hash {CurlHash.ToUpperInvariant()} --unverifiable -n /var/run/netns/blue -l l4 -v ACCEPT");

        Assert.Equal(Chain.Forward, rule.Chain);
        Assert.Equal(Verdict.Accept, rule.Verdict);
        Assert.Equal(Prefix("10.0.0.0/8"), rule.Source!.Value.Value);
        Assert.Equal(Prefix("192.168.1.1/32"), rule.Destination!.Value.Value);
        Assert.Equal(new IpProtocol(6), rule.Protocol!.Value.Value);
        Assert.Equal(new PortRange(1024, 65535), rule.SourcePort!.Value.Value);
        Assert.Equal(PortRange.Single(443), rule.DestinationPort!.Value.Value);
        Assert.Equal(rule.SingleHash!.Value.Value, rule.AggregateHash!.Value.Value);
        Assert.True(rule.Unverifiable);
        Assert.Equal("/var/run/netns/blue", rule.Namespace!.Value.Value);
        Assert.Equal(SignatureLocation.L4, rule.SignatureLocation);
    }

    [Theory]
    [InlineData("!")]
    [InlineData("-!")]
    [InlineData("--not")]
    public void Negation_applies_only_to_the_next_criterion(string negation)
    {
        Rule rule = AppendedRule($"-A -c INPUT {negation} -p udp --dport 53 -v DROP");

        Assert.True(rule.Protocol!.Value.Negated);
        Assert.False(rule.DestinationPort!.Value.Negated);
    }

    [Fact]
    public void Every_criterion_can_be_negated()
    {
        Rule rule = AppendedRule(
            "-A -c OUTPUT ! -s fd00::/8 -! -d fd00::1 --not -p sctp ! --sport 1 ! --dport 2:3 " +
            $"! --sng-hash {CurlHash} ! --agg-hash {CurlHash} ! --unverifiable ! -n /proc/1/ns/net -v DROP");

        Assert.True(rule.Source!.Value.Negated);
        Assert.True(rule.Destination!.Value.Negated);
        Assert.True(rule.Protocol!.Value.Negated);
        Assert.True(rule.SourcePort!.Value.Negated);
        Assert.True(rule.DestinationPort!.Value.Negated);
        Assert.True(rule.SingleHash!.Value.Negated);
        Assert.True(rule.AggregateHash!.Value.Negated);
        Assert.False(rule.Unverifiable);
        Assert.True(rule.Namespace!.Value.Negated);
    }

    [Theory]
    [InlineData("tcp", 6)]
    [InlineData("UDP", 17)]
    [InlineData("icmp", 1)]
    [InlineData("icmpv6", 58)]
    [InlineData("ipv6-icmp", 58)]
    [InlineData("udplite", 136)]
    [InlineData("sctp", 132)]
    [InlineData("dccp", 33)]
    [InlineData("gre", 47)]
    [InlineData("esp", 50)]
    [InlineData("ah", 51)]
    [InlineData("all", 0)]
    [InlineData("41", 41)]
    [InlineData("255", 255)]
    public void Protocols_parse_by_name_or_number(string text, byte number) =>
        Assert.Equal(new IpProtocol(number), AppendedRule($"-A -c INPUT -p {text} -v DROP").Protocol!.Value.Value);

    [Theory]
    [InlineData("80", 80, 80)]
    [InlineData("0", 0, 0)]
    [InlineData("65535", 65535, 65535)]
    [InlineData("1000:2000", 1000, 2000)]
    [InlineData("7:7", 7, 7)]
    [InlineData(":1023", 0, 1023)]
    [InlineData("1024:", 1024, 65535)]
    public void Port_ranges_parse(string text, int first, int last) =>
        Assert.Equal(new PortRange((ushort)first, (ushort)last), AppendedRule($"-A -c INPUT --sport {text} -v DROP").SourcePort!.Value.Value);

    [Theory]
    [InlineData("-I -c OUTPUT -p tcp -v ACCEPT", 1)]
    [InlineData("-I 3 -c OUTPUT -p tcp -v ACCEPT", 3)]
    [InlineData("--insert 12 -c OUTPUT -p tcp -v ACCEPT", 12)]
    public void Insert_takes_an_optional_rule_number(string line, int number)
    {
        RuleParseResult result = RuleCommandParser.ParseLine(line);

        Assert.True(result.Success, result.Error);
        var insert = Assert.IsType<RuleCommand.Insert>(result.Command);
        Assert.Equal(number, insert.Number);
        Assert.Equal(Chain.Output, insert.Rule.Chain);
    }

    [Fact]
    public void Other_commands_parse()
    {
        Assert.Equal(new RuleCommand.Delete(Chain.Input, 2), RuleCommandParser.ParseLine("-D 2 -c INPUT").Command);
        Assert.Equal(new RuleCommand.Delete(Chain.Forward, 1), RuleCommandParser.ParseLine("--chain forward --delete 1").Command);
        Assert.Equal(new RuleCommand.Flush(null), RuleCommandParser.ParseLine("-F").Command);
        Assert.Equal(new RuleCommand.Flush(Chain.Output), RuleCommandParser.ParseLine("--flush -c OUTPUT").Command);
        Assert.Equal(new RuleCommand.Policy(Chain.Output, Verdict.Drop), RuleCommandParser.ParseLine("-P OUTPUT DROP").Command);
        Assert.Equal(new RuleCommand.Policy(Chain.Input, Verdict.Accept), RuleCommandParser.ParseLine("--policy input accept").Command);
        Assert.Equal(new RuleCommand.List(null), RuleCommandParser.ParseLine("-L").Command);
        Assert.Equal(new RuleCommand.List(Chain.Forward), RuleCommandParser.ParseLine("--list -c FORWARD").Command);
    }

    [Fact]
    public void Quoted_values_keep_their_spaces()
    {
        Rule rule = AppendedRule("-A -c OUTPUT -n '/run/netns/my ns' -v DROP # trailing comment");
        Assert.Equal("/run/netns/my ns", rule.Namespace!.Value.Value);

        rule = AppendedRule("-A -c OUTPUT -n \"/run/netns/a \\\"b\\\"\" -v DROP");
        Assert.Equal("/run/netns/a \"b\"", rule.Namespace!.Value.Value);
    }

    [Theory]
    [InlineData("-A -c OUTPUT -v DROP --bogus", "unknown option '--bogus'")]
    [InlineData("-A -c OUTPUT -v DROP stray", "unexpected argument 'stray'")]
    [InlineData("-A -c OUTPUT -v", "option -v/--vrdct needs a value: ACCEPT|DROP")]
    [InlineData("-A -c OUTPUT -v DROP -s", "option -s/--src-ip needs a value")]
    [InlineData("-A -c OUTPUT -v DROP --dport", "option --dport needs a value")]
    [InlineData("-A -c OUTPUT -v DROP -s 10.0.0.0/33", "-s/--src-ip: bad address '10.0.0.0/33': prefix length must be 0..32")]
    [InlineData("-A -c OUTPUT -v DROP -d fd00::/129", "prefix length must be 0..128")]
    [InlineData("-A -c OUTPUT -v DROP -s 10.0.0/8", "bad address '10.0.0/8'")]
    [InlineData("-A -c OUTPUT -v DROP -s 256.0.0.1", "bad address '256.0.0.1'")]
    [InlineData("-A -c OUTPUT -v DROP -s 10.0.0.1/", "prefix length")]
    [InlineData("-A -c OUTPUT -v DROP -s fe80::1%eth0", "zones are not allowed")]
    [InlineData("-A -c OUTPUT -v DROP -s fd00:::1", "not an IPv6 address")]
    [InlineData("-A -c OUTPUT -v DROP --dport 70000", "--dport: bad port '70000'")]
    [InlineData("-A -c OUTPUT -v DROP --sport -1", "bad port '-1'")]
    [InlineData("-A -c OUTPUT -v DROP --dport 9:1", "bad port range '9:1': first port exceeds last port")]
    [InlineData("-A -c OUTPUT -v DROP --dport :", "bad port range ':'")]
    [InlineData("-A -c OUTPUT -v DROP --dport 1:2:3", "bad port '1:2:3'")]
    [InlineData("-A -c OUTPUT -v DROP -p 256", "bad protocol '256'")]
    [InlineData("-A -c OUTPUT -v DROP -p tcpx", "bad protocol 'tcpx'")]
    [InlineData("-A -c OUTPUT -v DROP --sng-hash abc", "bad SHA-256 digest 'abc'")]
    [InlineData("-A -c OUTPUT -v DROP --agg-hash 6a3cf1c479f446eb0ef266a2607cd4f6751a655937a7103f7657db6cb6b3f49z", "bad SHA-256 digest")]
    [InlineData("-A -c OUTPUT -v DROP -l l5", "bad signature location 'l5'")]
    [InlineData("-A -c OUTPUT -v DROP -n ''", "empty namespace file name")]
    [InlineData("-A -c OUTPUT -v DROP -s 10.0.0.1 -s 10.0.0.2", "option -s/--src-ip given twice")]
    [InlineData("-A -c OUTPUT -v DROP -s 10.0.0.1 --src-ip 10.0.0.2", "option -s/--src-ip given twice")]
    [InlineData("-A -c OUTPUT -c INPUT -v DROP", "option -c/--chain given twice")]
    [InlineData("-A -c OUTPUT -v DROP -v ACCEPT", "option -v/--vrdct given twice")]
    [InlineData("-A -c OUTPUT -v DROP !", "'!' must be followed by the criterion it negates")]
    [InlineData("-A -c OUTPUT -v DROP --not", "'--not' must be followed by the criterion it negates")]
    [InlineData("-A -c OUTPUT -v DROP ! ! -p tcp", "can be negated only once")]
    [InlineData("-A -c OUTPUT ! -v DROP", "'!' cannot negate -v/--vrdct")]
    [InlineData("-A ! -c OUTPUT -v DROP", "'!' cannot negate -c/--chain")]
    [InlineData("! -A -c OUTPUT -v DROP", "'!' cannot negate -A/--append")]
    [InlineData("-A -c OUTPUT -v DROP -! -l l3", "'-!' cannot negate -l/--sig-loc")]
    [InlineData("-A -c OUTPUT -v ACCEPT --sig-app 6a3cf1c479f446eb0ef266a2607cd4f6751a655937a7103f7657db6cb6b3f49a", "INPUT and FORWARD only")]
    [InlineData("-A -c INPUT -v ACCEPT --sig-app 6a3c", "bad SHA-256 digest")]
    [InlineData("-A -v DROP", "-A/--append needs -c/--chain")]
    [InlineData("-A -c OUTPUT", "-A/--append needs -v/--vrdct")]
    [InlineData("-I 2 -c OUTPUT", "-I/--insert needs -v/--vrdct")]
    [InlineData("-I 0 -c OUTPUT -v DROP", "bad rule number '0'")]
    [InlineData("-A -c OUTPUT2 -v DROP", "bad chain 'OUTPUT2'")]
    [InlineData("-A -c OUTPUT -v REJECT", "bad verdict 'REJECT'")]
    [InlineData("-A -c OUTPUT -v DROP -s 10.0.0.0/8 -d fd00::1", "same address family")]
    [InlineData("-A -c OUTPUT -v DROP -p icmp --dport 1", "need a protocol with ports")]
    [InlineData("-A -D 1 -c OUTPUT -v DROP", "only one command at a time: -A and -D")]
    [InlineData("-A -A -c OUTPUT -v DROP", "option -A/--append given twice")]
    [InlineData("-c OUTPUT -v DROP", "no command given")]
    [InlineData("", "no command given")]
    [InlineData("-D -c OUTPUT", "bad rule number '-c'")]
    [InlineData("-D 1", "-D/--delete needs -c/--chain")]
    [InlineData("-D x -c OUTPUT", "bad rule number 'x'")]
    [InlineData("-D 1 -c OUTPUT -p tcp", "option -p/--proto is not valid with -D/--delete")]
    [InlineData("-F -v DROP", "option -v/--vrdct is not valid with -F/--flush")]
    [InlineData("-L -s 10.0.0.1", "option -s/--src-ip is not valid with -L/--list")]
    [InlineData("-P OUTPUT", "needs two values: CHAIN VERDICT")]
    [InlineData("-P OUTPUT MAYBE", "bad verdict 'MAYBE'")]
    [InlineData("-P NOWHERE DROP", "bad chain 'NOWHERE'")]
    [InlineData("-P OUTPUT DROP -c OUTPUT", "-c/--chain is not valid with -P/--policy")]
    [InlineData("-A -c OUTPUT -n 'unterminated -v DROP", "unterminated ' quote")]
    [InlineData("-A -c OUTPUT -v DROP -n \"x", "unterminated \" quote")]
    [InlineData("-A -c OUTPUT -v DROP \\", "backslash at end of line")]
    public void User_errors_are_reported_not_thrown(string line, string expected) =>
        Assert.Contains(expected, Error(line));

    [Fact]
    public void Port_criterion_with_a_negated_portless_protocol_is_accepted()
    {
        Rule rule = AppendedRule("-A -c OUTPUT ! -p icmp --dport 1 -v DROP");
        Assert.True(rule.Protocol!.Value.Negated);
    }
}
