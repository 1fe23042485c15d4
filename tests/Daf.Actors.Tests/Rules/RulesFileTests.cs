// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;

namespace Daf.Actors.Tests.Rules;

public sealed class RulesFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("daf-rules-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(params string[] lines)
    {
        string path = Path.Combine(_directory, $"rules-{Guid.NewGuid():N}");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public void Rules_policies_comments_and_blank_lines_load()
    {
        string path = Write(
            "# drop discard traffic",
            "",
            "   ",
            "-P OUTPUT DROP",
            "-A -c OUTPUT -p udp --dport 9 -v DROP   # discard",
            "  -A -c OUTPUT -p tcp -v ACCEPT",
            "\t# indented comment",
            "-A -c INPUT ! -s 10.0.0.0/8 -v DROP");

        RuleSet rules = RulesFile.Load(path, new ChainPolicies(Verdict.Drop, Verdict.Accept, Verdict.Accept));

        Assert.Equal(3, rules.Count);
        Assert.Equal(new ChainPolicies(Verdict.Drop, Verdict.Drop, Verdict.Accept), rules.Policies);
        Assert.Equal(PortRange.Single(9), rules[Chain.Output][0].DestinationPort!.Value.Value);
        Assert.Equal(new IpProtocol(6), rules[Chain.Output][1].Protocol!.Value.Value);
        Assert.True(rules[Chain.Input][0].Source!.Value.Negated);
    }

    [Fact]
    public void Bad_line_is_reported_with_path_and_line_number()
    {
        string path = Write("# header", "-A -c OUTPUT -p udp --dport 9 -v DROP", "", "-A -c OUTPUT --dport 70000 -v DROP");

        var error = Assert.Throws<RulesFileException>(() => RulesFile.Load(path, ChainPolicies.AllAccept));

        Assert.Equal(path, error.Path);
        Assert.Equal(4, error.LineNumber);
        Assert.Contains("bad port '70000'", error.Reason);
        Assert.StartsWith($"{path}:4: ", error.Message);
    }

    [Theory]
    [InlineData("-D 1 -c OUTPUT")]
    [InlineData("-F")]
    [InlineData("-L")]
    [InlineData("-I 1 -c OUTPUT -v DROP")]
    public void Only_append_and_policy_lines_are_allowed(string line)
    {
        string path = Write("-P INPUT DROP", line);

        var error = Assert.Throws<RulesFileException>(() => RulesFile.Load(path, ChainPolicies.AllAccept));

        Assert.Equal(2, error.LineNumber);
        Assert.Contains("only -A (append) and -P (policy) lines", error.Reason);
    }

    [Fact]
    public void Missing_file_is_reported_as_line_zero_with_the_cause()
    {
        string path = Path.Combine(_directory, "absent");

        var error = Assert.Throws<RulesFileException>(() => RulesFile.Load(path, ChainPolicies.AllAccept));

        Assert.Equal(0, error.LineNumber);
        Assert.StartsWith($"{path}:0: cannot read rules file", error.Message);
        Assert.IsAssignableFrom<IOException>(error.InnerException);
    }

    [Fact]
    public void Directory_instead_of_file_is_reported_as_line_zero()
    {
        var error = Assert.Throws<RulesFileException>(() => RulesFile.Load(_directory, ChainPolicies.AllAccept));
        Assert.Equal(0, error.LineNumber);
    }

    [Fact]
    public void Empty_file_gives_the_given_policies_and_no_rules()
    {
        var policies = new ChainPolicies(Verdict.Accept, Verdict.Drop, Verdict.Drop);

        RuleSet rules = RulesFile.Load(Write(), policies);

        Assert.Equal(RuleSet.Empty(policies), rules);
    }
}
