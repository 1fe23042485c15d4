// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>Matrix case 8: a process that is gone before its packet is judged still has its identity.</summary>
public sealed class ShortLivedSenderTests
{
    private const int Runs = 20;

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void A_process_that_sends_one_datagram_and_exits_at_once_is_judged_by_its_identity(int ipVersion)
    {
        using var bed = new AttributionBed();
        string blocked = bed.Files.BuildSender("blocked-sender");
        string other = bed.Files.BuildSender("other-sender");
        // The senders are gone long before their packets are judged: attribution rests on the probe's release and
        // exit events, which a machine busy with other builds may deliver late. The bed's generous wait (3 s) is a
        // bound, not a delay: a packet is decided as soon as its sender's image is known.
        bed.StartSenderFirewall($"-A -c OUTPUT --sng-hash {ProgramCopies.DigestOf(blocked)} -v DROP");
        bed.StartReceiver(ipVersion);

        // Each sender binds a source port of its own: a port the kernel hands out again within the attribution wait
        // would name the next sender's socket for the previous sender's packet (docs/ARCHITECTURE.md, "Limits").
        var blockedTags = new List<string>();
        var otherTags = new List<string>();
        for (int k = 0; k < Runs; k++)
        {
            blockedTags.Add($"blocked-{k}");
            bed.RunIn(bed.Net.A, blocked, $"{bed.Receiver.SenderTarget}#{41000 + 2 * k}", "-", $"blocked-{k}");
            if (k % 4 != 0)
                continue;
            otherTags.Add($"other-{k}");
            bed.RunIn(bed.Net.A, other, $"{bed.Receiver.SenderTarget}#{41001 + 2 * k}", "-", $"other-{k}");
        }

        bed.AssertJudged(blockedTags.Count + otherTags.Count, delivered: [.. otherTags], dropped: [.. blockedTags]);
    }
}
