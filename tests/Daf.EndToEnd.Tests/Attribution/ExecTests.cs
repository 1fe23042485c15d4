// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>Matrix case 5: exec replaces the holder's identity, with and without `-R`.</summary>
public sealed class ExecTests
{
    /// <summary>
    /// python3 opens the socket and sends, then execs the sender program, which sends on the inherited
    /// descriptor. Allowlist (policy DROP, ACCEPT python3): the first passes, the second is dropped.
    /// Blocklist (DROP python3): the reverse, which `-R` in the original got wrong (the old image's objects
    /// survived the exec).
    /// </summary>
    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public void Exec_replaces_the_identity_and_an_allowlist_does_not_survive_exec_of_another_image(bool allowlist, bool readMapsOnce)
    {
        using var bed = new AttributionBed();
        string sender = bed.Files.BuildSender("sender");
        string verdict = allowlist ? "ACCEPT" : "DROP";
        string[] args = [.. allowlist ? new[] { "--pol-out", "DROP" } : [], .. readMapsOnce ? new[] { "-R" } : []];
        bed.StartSenderFirewall($"-A -c OUTPUT --sng-hash {AttributionBed.Python3Digest} -v {verdict}", args);
        bed.StartReceiver(4);

        using var driver = bed.StartDriver([.. bed.UdpToReceiver, "send", "as-python", "gate", "judged", "exec", sender, "after-exec @done"]);
        bed.ReleaseAt(driver, "judged", 1);
        bed.ReleaseAt(driver, "done", 2);
        AttributionBed.AssertEndsWell(driver);

        string[] asPython = ["as-python"], afterExec = ["after-exec"];
        bed.AssertJudged(2, delivered: allowlist ? asPython : afterExec, dropped: allowlist ? afterExec : asPython);
    }
}
