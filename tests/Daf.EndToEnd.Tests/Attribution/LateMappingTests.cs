// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>Matrix case 3: identity follows mappings made after the socket was opened.</summary>
public sealed class LateMappingTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void A_library_dlopened_after_the_connection_is_open_blocks_the_next_packets(int ipVersion)
    {
        using var bed = new AttributionBed();
        string blocked = bed.StartBlockingLibrary(ipVersion);

        bed.DriveHeld(3, [.. bed.UdpToReceiver, "send", "before-dlopen", "load", blocked, "send", "after-dlopen-1", "send", "after-dlopen-2"]);

        bed.AssertJudged(3, delivered: ["before-dlopen"], dropped: ["after-dlopen-1", "after-dlopen-2"]);
    }
}
