// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;

namespace Daf.Actors.Tests.Rules;

public sealed class RulesStateFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("daf-state-").FullName;
    private readonly ChainPolicies _dropInput = ChainPolicies.AllAccept.With(Chain.Input, Verdict.Drop);

    private RulesStateFile State => RulesStateFile.In(_directory);

    private string WriteSeed(params string[] lines)
    {
        string path = Path.Combine(_directory, "seed.rules");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Saved_rules_load_back_equal_with_their_policies()
    {
        RuleSet rules = RulesFile.Parse("test", ["-P OUTPUT DROP", "-A -c OUTPUT -p tcp --dport 22 -v ACCEPT", "-A -c INPUT ! -s 10.0.0.0/8 -v DROP"], ChainPolicies.AllAccept);

        State.Save(rules, 42);
        RuleSet loaded = State.LoadAtStart(null, ChainPolicies.AllAccept, out string source);

        Assert.Equal(rules, loaded);
        Assert.StartsWith($"restored 2 rules from {State.Path}", source);
        Assert.StartsWith("# DAF rules, version 42", File.ReadAllText(State.Path));
        Assert.False(File.Exists(State.Path + ".tmp"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(State.Path));
    }

    [Fact]
    public void The_state_file_wins_over_a_seed_file_and_over_the_policy_options()
    {
        State.Save(RulesFile.Parse("test", ["-P INPUT ACCEPT", "-A -c OUTPUT -p udp -v DROP"], ChainPolicies.AllAccept), 3);
        string seed = WriteSeed("-A -c INPUT -p tcp -v DROP", "-A -c INPUT -p udp -v DROP");

        RuleSet loaded = State.LoadAtStart(seed, _dropInput, out string source);

        Assert.Equal(1, loaded.Count);
        Assert.Single(loaded[Chain.Output]);
        Assert.Equal(Verdict.Accept, loaded.Policies.Input);
        Assert.Contains($"--rules {seed} ignored", source);
    }

    [Fact]
    public void A_seed_file_fills_an_empty_state_on_top_of_the_policy_options()
    {
        string seed = WriteSeed("-A -c INPUT -p tcp -v DROP");

        RuleSet loaded = State.LoadAtStart(seed, _dropInput, out string source);

        Assert.Single(loaded[Chain.Input]);
        Assert.Equal(Verdict.Drop, loaded.Policies.Input);
        Assert.StartsWith($"seeded 1 rules from {seed}", source);
    }

    [Fact]
    public void No_state_and_no_seed_start_empty_with_the_policy_options()
    {
        RuleSet loaded = State.LoadAtStart(null, _dropInput, out string source);

        Assert.Equal(RuleSet.Empty(_dropInput), loaded);
        Assert.Contains("starting with no rules", source);
    }

    [Fact]
    public void A_corrupt_state_file_fails_naming_the_line_instead_of_starting_empty()
    {
        File.WriteAllText(State.Path, "# DAF rules\n-A -c OUTPUT -p udp -v DROP\n-A -c OUTPUT -p udp --dpo");

        var error = Assert.Throws<RulesFileException>(() => State.LoadAtStart(WriteSeed("-A -c INPUT -v DROP"), ChainPolicies.AllAccept, out _));

        Assert.Equal(3, error.LineNumber);
        Assert.StartsWith($"{State.Path}:3: ", error.Message);
    }

    [Fact]
    public void Saving_replaces_the_whole_file()
    {
        State.Save(RulesFile.Parse("test", Enumerable.Range(1, 200).Select(i => $"-A -c OUTPUT -p udp --dport {i} -v DROP"), ChainPolicies.AllAccept), 2);
        RuleSet small = RulesFile.Parse("test", ["-A -c OUTPUT -p tcp -v DROP"], ChainPolicies.AllAccept);

        State.Save(small, 3);

        Assert.Equal(small, State.LoadAtStart(null, ChainPolicies.AllAccept, out _));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
