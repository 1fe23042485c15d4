// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests.Signatures;

/// <summary>The <c>--sig-app</c> criterion through ctl-fw: added, refused on OUTPUT, listed, saved and restored.</summary>
public sealed class SigAppRuleTests
{
    private const string Digest = "6a3cf1c479f446eb0ef266a2607cd4f6751a655937a7103f7657db6cb6b3f49a";
    private static readonly TimeSpan s_ctlTimeout = TimeSpan.FromSeconds(40);

    [Fact]
    public void Sig_app_rules_go_through_ctl_fw_and_survive_a_restart()
    {
        using var bed = new NetnsBed();
        string state = Directory.CreateTempSubdirectory("daf-e2e-sigapp-").FullName;
        try
        {
            ExecResult CtlFw(params string[] args)
            {
                ExecResult result;
                int attempt = 0;
                // Exit 3: app-fw unreachable (the remoting handshake can time out on a loaded machine): ask again.
                // A repeated -A would only list its rule twice, which the assertions below allow.
                do result = bed.Exec(bed.A, s_ctlTimeout, [Path.Combine(RepoRoot.Path, "bin", "ctl-fw"), "--state-dir", state, .. args]);
                while (result.ExitCode == 3 && ++attempt < 3);
                return result;
            }

            using (var first = AppFwDaemon.Start(bed, bed.A, "--state-dir", state))
            {
                CtlFw("-A", "-c", "FORWARD", "--sig-app", Digest, "-v", "ACCEPT").EnsureSuccess();
                CtlFw("-A", "-c", "INPUT", "-p", "tcp", "!", "--sig-app", Digest.ToUpperInvariant(), "-v", "DROP").EnsureSuccess();
                var refused = CtlFw("-A", "-c", "OUTPUT", "--sig-app", Digest, "-v", "DROP");
                Assert.True(refused.ExitCode == 2 && refused.Stderr.Contains("INPUT and FORWARD only", StringComparison.Ordinal), refused.Describe());
                first.Kill();
            }

            using var second = AppFwDaemon.Start(bed, bed.A, "--state-dir", state);
            string saved = CtlFw("--save").EnsureSuccess().Stdout;
            Assert.Contains($"-A -c FORWARD --sig-app {Digest} -v ACCEPT", saved);
            Assert.Contains($"-A -c INPUT -p tcp ! --sig-app {Digest} -v DROP", saved);
            Assert.DoesNotContain("-c OUTPUT --sig-app", saved);
            Assert.Contains($"--sig-app {Digest}", CtlFw("-L", "-c", "FORWARD").EnsureSuccess().Stdout);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }
}
