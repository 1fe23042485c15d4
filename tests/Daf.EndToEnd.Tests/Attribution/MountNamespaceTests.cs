// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>Matrix case 13: a process in another mount namespace is hashed by what it maps, not by the daemon's view of the path.</summary>
public sealed class MountNamespaceTests
{
    /// <summary>
    /// The path the process loads holds one library in the daemon's mount namespace; in the process's own
    /// (`unshare -m`) a bind mount puts the other library there. The rule names the blocked library.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_process_in_another_mount_namespace_is_hashed_by_what_it_really_maps(bool bindsBlockedOverPlain)
    {
        using var bed = new AttributionBed();
        string blocked = bed.Files.BuildLibrary("libblocked.so");
        string plain = bed.Files.BuildLibrary("libplain.so");
        string target = bed.Files.Copy(bindsBlockedOverPlain ? plain : blocked, "mnt/libtarget.so");
        string mounted = bindsBlockedOverPlain ? blocked : plain;
        bed.StartSenderFirewall($"-A -c OUTPUT --sng-hash {ProgramCopies.DigestOf(blocked)} -v DROP");
        bed.StartReceiver(4);

        bed.RunHeld(1, bed.Net.A, ["unshare", "-m", "--propagation", "private", "sh", "-c", "mount --bind \"$1\" \"$2\" && shift 2 && exec \"$@\"", "sh",
            mounted, target, .. bed.DriverCommand(["load", target, .. bed.UdpToReceiver, "send", "other-mount-namespace", "gate", AttributionBed.ReleasePlaceholder])]);
        Assert.Equal(ProgramCopies.DigestOf(bindsBlockedOverPlain ? plain : blocked), ProgramCopies.DigestOf(target)); // the bind stayed in its namespace

        string[] sent = ["other-mount-namespace"];
        bed.AssertJudged(1, delivered: bindsBlockedOverPlain ? [] : sent, dropped: bindsBlockedOverPlain ? sent : []);
    }
}
