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

        using var driver = bed.StartDriver([.. bed.UdpToReceiver, "send", "before-dlopen", "gate", "judged",
            "load", blocked, "send", "after-dlopen-1", "send", "after-dlopen-2", "gate", "done"]);
        bed.ReleaseAt(driver, "judged", 1);
        bed.ReleaseAt(driver, "done", 3);
        AttributionBed.AssertEndsWell(driver);

        bed.AssertJudged(3, delivered: ["before-dlopen"], dropped: ["after-dlopen-1", "after-dlopen-2"]);
    }
}
