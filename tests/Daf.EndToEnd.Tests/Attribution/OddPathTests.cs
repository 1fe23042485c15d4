// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>Matrix case 12: programs at paths with spaces, or longer than 255 bytes.</summary>
public sealed class OddPathTests
{
    [Theory]
    [InlineData("spaces")]
    [InlineData("long")]
    public void A_program_at_an_odd_path_is_blocked_by_its_digest_and_the_daemon_survives(string kind)
    {
        using var bed = new AttributionBed();
        string built = bed.Files.BuildSender("sender");
        string relative = kind == "spaces"
            ? "dir with spaces/a sender  with  spaces"
            : Path.Combine(new string('d', 120), new string('e', 120), new string('f', 200) + " sender");
        string odd = bed.Files.Copy(built, relative);
        Assert.True(kind != "long" || System.Text.Encoding.UTF8.GetByteCount(odd) > 255, odd);
        bed.StartSenderFirewall($"-A -c OUTPUT --sng-hash {ProgramCopies.DigestOf(built)} -v DROP");
        bed.StartReceiver(4);

        bed.RunHeld(1, bed.Net.A, odd, bed.Receiver.SenderTarget, bed.Files.Gates, "odd-path-1", "@" + AttributionBed.ReleasePlaceholder);
        bed.DriveHeld(1, [.. bed.UdpToReceiver, "exec", odd, "odd-path-2 @" + AttributionBed.ReleasePlaceholder]);

        bed.AssertDelivery(bed.Delivered(2), delivered: [], dropped: ["odd-path-1", "odd-path-2"]);
        bed.DriveHeld(1, [.. bed.UdpToReceiver, "send", "after"]);
        bed.AssertJudged(3, delivered: ["after"], dropped: []);
    }
}
