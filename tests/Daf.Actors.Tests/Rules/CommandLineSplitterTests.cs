// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;

namespace Daf.Actors.Tests.Rules;

public class CommandLineSplitterTests
{
    private static string[] Split(string line)
    {
        Assert.True(CommandLineSplitter.TrySplit(line, out var arguments, out string? error), error);
        return arguments.ToArray();
    }

    [Theory]
    [InlineData("  -A\t-c  OUTPUT ", new[] { "-A", "-c", "OUTPUT" })]
    [InlineData("a 'b c' d", new[] { "a", "b c", "d" })]
    [InlineData("'it'\\''s'", new[] { "it's" })]
    [InlineData("\"a \\\"b\\\" \\\\ \\n\"", new[] { "a \"b\" \\ \\n" })]
    [InlineData("a\\ b", new[] { "a b" })]
    [InlineData("x'y'\"z\"", new[] { "xyz" })]
    [InlineData("'' \"\"", new[] { "", "" })]
    [InlineData("-A # a comment 'with quotes", new[] { "-A" })]
    [InlineData("a#b", new[] { "a#b" })]
    [InlineData("# only a comment", new string[0])]
    [InlineData("", new string[0])]
    public void Splits_like_a_shell(string line, string[] expected) => Assert.Equal(expected, Split(line));

    [Theory]
    [InlineData("")]
    [InlineData("plain/path-1.2:3")]
    [InlineData("with space")]
    [InlineData("it's")]
    [InlineData("#hash")]
    [InlineData("!")]
    [InlineData("quote\"dollar$back`slash\\")]
    [InlineData("tab\tnewline\n")]
    public void Quote_round_trips_through_split(string argument) => Assert.Equal([argument], Split(CommandLineSplitter.Quote(argument)));

    [Fact]
    public void Quote_leaves_plain_words_bare() => Assert.Equal("/proc/1/ns/net", CommandLineSplitter.Quote("/proc/1/ns/net"));
}
