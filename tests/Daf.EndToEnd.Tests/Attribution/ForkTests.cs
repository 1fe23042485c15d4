// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;

namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>Matrix case 4: a socket shared across fork has every holder, and loses the ones that exit.</summary>
public sealed class ForkTests
{
    /// <summary>
    /// Policy DROP with two allowlist rules, python3's digest and the child's: an ACCEPT rule matches only
    /// when every holder matches it. Alone, the parent is accepted; while the child (exec'd into the sender
    /// program, same socket) lives, neither rule covers both holders, so packets from either are dropped;
    /// once the parent exited, the child alone is accepted.
    /// </summary>
    [Fact]
    public void Parent_and_forked_child_both_hold_the_socket_and_the_child_alone_after_the_parent_exits()
    {
        using var bed = new AttributionBed();
        string child = bed.Files.BuildSender("child-sender");
        bed.StartSenderFirewall(
            $"""
            -A -c OUTPUT --sng-hash {ProgramCopies.DigestOf(child)} -v ACCEPT
            -A -c OUTPUT --sng-hash {AttributionBed.Python3Digest} -v ACCEPT
            """,
            "--pol-out", "DROP");
        bed.StartReceiver(4);

        var parent = bed.StartDriver([.. bed.UdpToReceiver, "send", "parent-alone", "gate", "parent-alone-judged",
            "forkexec", child, "@child-send shared-from-child @child-alone child-alone @child-done",
            "gate", "parent-send", "send", "shared-from-parent", "gate", "parent-exit"]);
        bed.ReleaseAt(parent, "parent-alone-judged", 1);
        parent.ExpectLine(l => l == "at child-send", "the child exec'd and waiting");
        bed.ReleaseAt(parent, "parent-send", 1);
        bed.ReleaseAt(parent, "child-send", 2);
        bed.ReleaseAt(parent, "parent-exit", 3);
        var exiting = Stopwatch.StartNew();
        while (!parent.HasExited && exiting.Elapsed < TimeSpan.FromSeconds(5))
            Thread.Sleep(10);
        Assert.True(parent.HasExited, "the parent did not exit");
        Thread.Sleep(TimeSpan.FromSeconds(DriverScript.GraceWaitSeconds)); // past the grace delay the spec gives exited holders
        bed.Files.Open("child-alone");
        bed.ReleaseAt(parent, "child-done", 4);

        bed.AssertJudged(4, delivered: ["parent-alone", "child-alone"],
            dropped: ["shared-from-parent", "shared-from-child"]);
    }
}
