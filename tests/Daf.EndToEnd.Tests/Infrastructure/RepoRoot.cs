// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Infrastructure;

/// <summary>The repository root: the first directory above the test binaries that holds Daf.sln.</summary>
public static class RepoRoot
{
    private static readonly Lazy<string> s_path = new(Find);

    public static string Path => s_path.Value;

    /// <summary>The daemon under test: bin/app-fw, or the binary named by DAF_APP_FW.</summary>
    public static string AppFw =>
        Environment.GetEnvironmentVariable("DAF_APP_FW") is { Length: > 0 } overridden
            ? overridden
            : System.IO.Path.Combine(Path, "bin", "app-fw");

    /// <summary>app-fw with the fault-injection hook: the test build beside this assembly (never bin/app-fw).</summary>
    public static string FaultInjectableAppFw => System.IO.Path.Combine(AppContext.BaseDirectory, "app-fw");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Daf.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no Daf.sln above {AppContext.BaseDirectory}");
    }
}
