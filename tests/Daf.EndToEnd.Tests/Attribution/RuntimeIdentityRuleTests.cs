// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>
/// The first identity rule added to a running app-fw (`ctl-fw -A`): ctl-fw returns once the rule is in force, and the
/// rule takes effect only once process tracking runs, so every sender from then on is judged by it, short-lived ones too.
/// </summary>
public sealed class RuntimeIdentityRuleTests
{
    private static readonly TimeSpan CtlTimeout = TimeSpan.FromSeconds(40);
    private static string CtlFwPath => Path.Combine(RepoRoot.Path, "bin", "ctl-fw");

    private static ExecResult CtlFw(AttributionBed bed, params string[] args) =>
        bed.Net.Exec(bed.Net.A, CtlTimeout, [CtlFwPath, "--state-dir", bed.Daemon.StateDir, .. args]);

    [Fact]
    public void A_short_lived_sender_right_after_ctl_fw_added_the_first_identity_rule_is_judged_by_it()
    {
        using var bed = new AttributionBed();
        string blocked = bed.Files.BuildSender("blocked-sender");
        string other = bed.Files.BuildSender("other-sender");
        // No identity rule at start: the probe is not attached, no process is followed.
        bed.StartSenderFirewall("# no identity rule: ctl-fw adds it", "--attrib-wait", "2000");
        bed.StartReceiver(4);
        bed.RunIn(bed.Net.A, blocked, $"{bed.Receiver.SenderTarget}#41000", "-", "blocked-before");
        bed.AwaitDecided(1);

        var added = CtlFw(bed, "-A", "-c", "OUTPUT", "--sng-hash", ProgramCopies.DigestOf(blocked), "-v", "DROP");
        Assert.True(added.Succeeded, $"{added.Describe()}\napp-fw: {bed.Daemon.Stderr}");

        // Each sends one datagram and exits at once, right after ctl-fw returned.
        bed.RunIn(bed.Net.A, blocked, $"{bed.Receiver.SenderTarget}#41001", "-", "blocked-after");
        bed.RunIn(bed.Net.A, other, $"{bed.Receiver.SenderTarget}#41002", "-", "other-after");

        // The verdicts themselves (decision log), then what arrived: on a loaded machine the receiver may print a
        // datagram later than the quiet period the bed waits for.
        bed.AwaitDecided(3);
        AssertVerdict(bed, 41001, "DROP");
        AssertVerdict(bed, 41002, "ACCEPT");
        WaitFor(() => bed.Receiver.Tags.Contains("other-after"));
        bed.AssertDelivery(bed.Receiver.TagsWhenQuiet(), delivered: ["blocked-before", "other-after"], dropped: ["blocked-after"]);
        bed.AssertAllAttributed();
        bed.StopDaemonCleanly();
    }

    /// <summary>The decision-log line for source port <paramref name="port"/> (written asynchronously: bounded wait) says <paramref name="expected"/>.</summary>
    private static void AssertVerdict(AttributionBed bed, int port, string expected)
    {
        string? verdict = null;
        WaitFor(() => (verdict = bed.Daemon.Stderr.Split('\n')
            .Where(l => l.Contains("decision verdict=", StringComparison.Ordinal) && l.Contains($" sport={port} ", StringComparison.Ordinal))
            .Select(l => l[(l.IndexOf("decision verdict=", StringComparison.Ordinal) + "decision verdict=".Length)..].Split(' ')[0])
            .FirstOrDefault()) is not null);
        Assert.True(verdict == expected, $"source port {port}: {verdict ?? "no decision logged"}, expected {expected}\n" +
            $"stats: {bed.Daemon.RequestStats().Json}\napp-fw: {bed.Daemon.Stderr}");
    }

    private static void WaitFor(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < TimeSpan.FromSeconds(20))
            Thread.Sleep(20);
    }

    [Fact]
    public void Without_an_ebpf_object_the_first_identity_rule_is_applied_without_waiting_for_the_bound()
    {
        using var bed = new AttributionBed();
        bed.StartSenderFirewall("# no identity rule", "--ebpf-obj", "/nonexistent.o");

        var added = CtlFw(bed, "-A", "-c", "OUTPUT", "--sng-hash", AttributionBed.Python3Digest, "-v", "DROP");

        Assert.True(added.Succeeded, $"{added.Describe()}\napp-fw: {bed.Daemon.Stderr}");
        var listed = CtlFw(bed, "-L", "-c", "OUTPUT");
        Assert.True(listed.Succeeded && listed.Stdout.Contains(AttributionBed.Python3Digest), $"{listed.Describe()}\napp-fw: {bed.Daemon.Stderr}");
        // Tracking runs on /proc scans: the change waited for the scan, not for the bound.
        Assert.Contains("applying the held change", bed.Daemon.Stderr);
        Assert.DoesNotContain("applying the change anyway", bed.Daemon.Stderr);
        bed.StopDaemonCleanly();
    }
}
