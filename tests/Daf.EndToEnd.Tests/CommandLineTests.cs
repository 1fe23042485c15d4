// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests;

/// <summary>app-fw's command-line contract. Runs inside a bed so that a daemon that starts anyway binds nothing outside it.</summary>
public sealed class CommandLineTests
{
    private static readonly string[] s_options =
    [
        "--queue-out", "--queue-in", "--queue-fwd", "--pol-out", "--pol-in", "--pol-fwd",
        "--batch-count", "--batch-timeout", "--max-nl-bufsz", "--partial-read", "--pkt-prefetch",
        "--ebpf-obj", "--rules", "--state-dir", "--help",
        "-b", "-B", "-n", "-P", "-c", "-e",
    ];

    [Fact]
    public void A_bad_rules_file_line_exits_2_naming_the_file_and_line()
    {
        using var bed = new NetnsBed();
        string dir = Directory.CreateTempSubdirectory("daf-e2e-rules-").FullName;
        try
        {
            string rules = Path.Combine(dir, "bad.rules");
            File.WriteAllText(rules, "# a comment\n-A -c OUTPUT -p udp --dport 9 -v DROP\n-A -c OUTPUT --no-such-flag 7 -v DROP\n");

            var run = AppFwDaemon.Run(bed, bed.A, "--rules", rules);

            Assert.True(run.ExitCode == 2, run.Describe());
            Assert.Contains($"{rules}:3:", run.Stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("--no-such-option")]
    [InlineData("--pol-out", "MAYBE")]
    [InlineData("--queue-out", "zero")]
    [InlineData("-b", "many")]
    public void An_unknown_or_invalid_option_exits_2_with_a_one_line_error(params string[] args)
    {
        using var bed = new NetnsBed();

        var run = AppFwDaemon.Run(bed, bed.A, args);

        Assert.True(run.ExitCode == 2, run.Describe());
        string error = run.Stderr.Trim();
        Assert.False(string.IsNullOrEmpty(error), "no error message on stderr");
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void Help_exits_0_and_documents_every_option()
    {
        using var bed = new NetnsBed();

        var run = AppFwDaemon.Run(bed, bed.A, "--help");

        Assert.True(run.ExitCode == 0, run.Describe());
        string help = run.Stdout + run.Stderr;
        var missing = s_options.Where(o => !help.Split([' ', ',', '\n', '\t', '=', '[', ']', '|', '/', '(', ')', ':'], StringSplitOptions.RemoveEmptyEntries).Contains(o)).ToArray();
        Assert.True(missing.Length == 0, $"--help does not mention {string.Join(", ", missing)}:\n{help}");
    }
}
