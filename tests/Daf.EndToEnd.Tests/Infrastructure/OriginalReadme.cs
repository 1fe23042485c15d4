// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Infrastructure;

/// <summary>Command lines from the original DAF README, word for word, for the tests that must accept them as users type them.</summary>
public static class OriginalReadme
{
    /// <summary>The rule that drops what curl sends (run from the repository root, in the judged namespace).</summary>
    public const string CtlFwDropCurl = """
        ./bin/ctl-fw \
        -A `# append ` \
        -c OUTPUT `# chain ` \
        -v DROP `# verdict ` \
        -n /proc/$$/ns/net `# network namespace` \
        --sng-hash $(sha256sum /usr/bin/curl | awk '{print $1}')
        """;

    /// <summary>Runs <paramref name="line"/> with bash from the repository root in <paramref name="ns"/>, ctl-fw finding the daemon through DAF_STATE_DIR.</summary>
    public static ExecResult Run(NetnsBed bed, string ns, string stateDirectory, string line, TimeSpan timeout) =>
        bed.Exec(ns, timeout, "env", $"DAF_STATE_DIR={stateDirectory}", "bash", "-c", $"cd {RepoRoot.Path} && {line}");
}
