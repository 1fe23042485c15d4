// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>Matrix case 7: threads are not holders of their own; their thread group is.</summary>
public sealed class ThreadTests
{
    private const int Threads = 8;

    /// <summary>
    /// Eight threads of one python3 process each open a socket of their own (created by a thread, not the
    /// thread-group leader) and send on it and on the process's shared socket. Allowlisted by python3's
    /// digest under a DROP policy, all arrive; blocked by a library the process mapped, none does.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_multi_threaded_sender_is_one_holder(bool allowlist)
    {
        using var bed = new AttributionBed();
        string blocked = bed.Files.BuildLibrary("libblocked.so");
        if (allowlist)
            bed.StartSenderFirewall($"-A -c OUTPUT --sng-hash {AttributionBed.Python3Digest} -v ACCEPT", "--pol-out", "DROP");
        else
            bed.StartSenderFirewall($"-A -c OUTPUT --sng-hash {ProgramCopies.DigestOf(blocked)} -v DROP");
        bed.StartReceiver(4);

        string[] load = allowlist ? [] : ["load", blocked];
        bed.DriveHeld(2 * Threads, [.. load, .. bed.UdpToReceiver, "threads", Threads.ToString(), bed.Receiver.Address, bed.Receiver.Port.ToString(), "t"]);

        string[] tags = [.. Enumerable.Range(0, Threads).SelectMany(k => new[] { $"t-{k}", $"t-shared-{k}" })];
        bed.AssertJudged(tags.Length, delivered: allowlist ? tags : [], dropped: allowlist ? [] : tags);
    }
}
