// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>Matrix case 9: the digest is of the object mapped, not of whatever the path names now.</summary>
public sealed class ReplacedBinaryTests
{
    /// <summary>
    /// A sender is started from a path and waits; another program is renamed over that path (or the path
    /// is unlinked); then it sends. The rule names the ORIGINAL digest: dropped. A fresh run of the
    /// replacement from the same path is not (no digest cached by path).
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_binary_replaced_on_disk_after_it_was_mapped_is_judged_by_what_is_mapped(bool renameOver)
    {
        using var bed = new AttributionBed();
        string path = bed.Files.BuildSender("prog/sender");
        string replacement = bed.Files.BuildSender("prog/replacement");
        bed.StartSenderFirewall($"-A -c OUTPUT --sng-hash {ProgramCopies.DigestOf(path)} -v DROP");
        bed.StartReceiver(4);

        using var running = bed.Net.Start(bed.Net.A, path, bed.Receiver.SenderTarget, bed.Files.Gates, "@send", "original-image", "@sent");
        running.ExpectLine(l => l == "at send", "the original sender waiting");
        if (renameOver)
            File.Move(replacement, path, overwrite: true);
        else
            File.Delete(path);
        bed.Files.Open("send");
        running.ExpectLine(l => l == "at sent", "the original sender holding on after its send");
        bed.AwaitDecided(1);
        bed.Files.Open("sent");
        AttributionBed.AssertEndsWell(running);
        string[] delivered = [];
        if (renameOver)
        {
            bed.RunHeld(1, bed.Net.A, path, bed.Receiver.SenderTarget, bed.Files.Gates, "replacement-image", "@" + AttributionBed.ReleasePlaceholder);
            delivered = ["replacement-image"];
        }

        bed.AssertJudged(1 + delivered.Length, delivered, dropped: ["original-image"]);
    }
}
