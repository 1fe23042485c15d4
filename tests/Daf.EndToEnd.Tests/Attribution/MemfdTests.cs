// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>Matrix case 10: code run from a memfd cannot be verified, and `--unverifiable` names it.</summary>
public sealed class MemfdTests
{
    /// <summary>
    /// python3 opens the socket and fexecve()s a memfd copy of the sender program, which sends on the
    /// inherited descriptor: `--unverifiable -v DROP` drops it. The same program exec'd from disk, and a
    /// plain python3, pass.
    /// </summary>
    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void Code_executed_from_a_memfd_is_unverifiable_and_matches_the_unverifiable_criterion(int ipVersion)
    {
        using var bed = new AttributionBed();
        string sender = bed.Files.BuildSender("sender");
        bed.StartSenderFirewall("-A -c OUTPUT --unverifiable -v DROP");
        bed.StartReceiver(ipVersion);

        bed.DriveHeld(1, [.. bed.UdpToReceiver, "memfdexec", sender, "from-memfd @" + AttributionBed.ReleasePlaceholder]);
        bed.DriveHeld(1, [.. bed.UdpToReceiver, "exec", sender, "from-disk @" + AttributionBed.ReleasePlaceholder]);
        bed.DriveHeld(1, [.. bed.UdpToReceiver, "send", "plain-python"]);

        bed.AssertJudged(3, delivered: ["from-disk", "plain-python"], dropped: ["from-memfd"]);
    }

    /// <summary>An ACCEPT-by-digest rule never matches an unverifiable holder, even one mapping that digest.</summary>
    [Fact]
    public void An_accept_by_digest_rule_never_matches_a_memfd_holder()
    {
        using var bed = new AttributionBed();
        string sender = bed.Files.BuildSender("sender");
        // The memfd copy maps the libc, ld.so and whatever the sender maps: allow all of those by libc's digest.
        string libc = ProgramCopies.Installed("/lib/x86_64-linux-gnu/libc.so.6");
        bed.StartSenderFirewall($"-A -c OUTPUT --sng-hash {ProgramCopies.DigestOf(libc)} -v ACCEPT", "--pol-out", "DROP");
        bed.StartReceiver(4);

        bed.DriveHeld(1, [.. bed.UdpToReceiver, "memfdexec", sender, "from-memfd @" + AttributionBed.ReleasePlaceholder]);
        bed.DriveHeld(1, [.. bed.UdpToReceiver, "exec", sender, "from-disk @" + AttributionBed.ReleasePlaceholder]);

        bed.AssertDelivery(bed.Delivered(2), delivered: ["from-disk"], dropped: ["from-memfd"]);
        bed.StopDaemonCleanly();
    }
}
