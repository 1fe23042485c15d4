// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>Matrix case 11: descriptor numbers are not 8-bit, and many sockets are no obstacle.</summary>
public sealed class DescriptorNumberTests
{
    /// <summary>fd 259 would alias fd 3 and fd 300 fd 44 in an 8-bit table; both are judged by their holder.</summary>
    [Theory]
    [InlineData(259)]
    [InlineData(300)]
    public void A_socket_moved_to_a_descriptor_number_above_255_keeps_its_holder(int fd)
    {
        using var bed = new AttributionBed();
        string blocked = bed.StartBlockingLibrary();

        bed.DriveHeld(1, ["load", blocked, .. bed.UdpToReceiver, "move", fd.ToString(), "send", "high-fd-blocked"]);
        bed.DriveHeld(1, [.. bed.UdpToReceiver, "move", fd.ToString(), "send", "high-fd-plain"]);

        bed.AssertJudged(2, delivered: ["high-fd-plain"], dropped: ["high-fd-blocked"]);
    }

    [Fact]
    public void The_thousandth_socket_of_a_process_is_judged_by_its_holder()
    {
        using var bed = new AttributionBed();
        string blocked = bed.StartBlockingLibrary();

        bed.DriveHeld(1, ["load", blocked, "fill", "999", .. bed.UdpToReceiver, "send", "thousandth-blocked"]);
        bed.DriveHeld(1, ["fill", "999", .. bed.UdpToReceiver, "send", "thousandth-plain"]);

        bed.AssertJudged(2, delivered: ["thousandth-plain"], dropped: ["thousandth-blocked"]);
    }
}
