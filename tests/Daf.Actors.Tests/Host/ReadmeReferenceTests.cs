// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Host;

namespace Daf.Actors.Tests.Host;

/// <summary>README's app-fw reference is the option list of `app-fw --help`, line for line.</summary>
public sealed class ReadmeReferenceTests
{
    private static string RepositoryFile(string name)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Daf.sln")))
            directory = directory.Parent;
        Assert.NotNull(directory);
        return File.ReadAllText(Path.Combine(directory.FullName, name));
    }

    private static List<string> OptionLines(IEnumerable<string> lines) =>
        lines.SkipWhile(l => !l.StartsWith("  --queue-out", StringComparison.Ordinal)).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal)).ToList();

    [Fact]
    public void The_README_lists_exactly_the_options_of_app_fw_help()
    {
        var readme = RepositoryFile("README.md").Split('\n');
        int section = Array.IndexOf(readme, "## app-fw");
        Assert.True(section >= 0, "README has no '## app-fw' section");

        var documented = OptionLines(readme.Skip(section).SkipWhile(l => l != "app-fw [OPTIONS]"));
        var help = OptionLines(AppFwOptions.Usage.Split('\n'));

        Assert.NotEmpty(help);
        Assert.Equal(help, documented);
    }
}
