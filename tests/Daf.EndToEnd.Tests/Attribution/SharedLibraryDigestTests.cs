// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>Matrix case 2: a library's digest names every program that maps it, and no other.</summary>
public sealed class SharedLibraryDigestTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void A_shared_library_digest_blocks_every_program_that_maps_it_and_no_other(int ipVersion)
    {
        using var bed = new AttributionBed();
        string libcurl = LibCurl();
        string rule = $"-A -c OUTPUT --sng-hash {ProgramCopies.DigestOf(libcurl)} -v DROP";
        bed.StartFirewall(bed.Net.A, "OUTPUT", 0, ["tcp", "udp"], rule);
        using var server = HttpServer.Start(bed.Net, bed.Net.B, bed.Net.Address(bed.Net.B, ipVersion), 8080);
        bed.StartReceiver(ipVersion);
        // A copy under another name maps a file with the same content: the digest, not the path, is the identity.
        string copy = bed.Files.Copy(libcurl, "elsewhere/libnot-curl.so");

        var curl = HttpClients.Curl(bed.Net, bed.Net.A, server.Url, maxSeconds: 3);
        var wget = HttpClients.Wget(bed.Net, bed.Net.A, server.Url, maxSeconds: 3);
        bed.DriveHeld(1, [.. bed.UdpToReceiver, "send", "python-plain"]);
        bed.DriveHeld(1, ["load", libcurl, .. bed.UdpToReceiver, "send", "python-with-libcurl"]);
        bed.DriveHeld(1, ["load", copy, .. bed.UdpToReceiver, "send", "python-with-a-copy"]);

        Assert.True(wget.Succeeded, $"wget maps no libcurl and should pass: {wget.Describe()}");
        Assert.False(curl.Succeeded, $"curl maps libcurl and should be blocked: {curl.Describe()}");
        var arrived = bed.Receiver.TagsWhenQuiet();
        bed.AssertDelivery(arrived, delivered: ["python-plain"], dropped: ["python-with-libcurl", "python-with-a-copy"]);
        bed.StopDaemonCleanly();
    }

    /// <summary>The libcurl file curl maps, from `ldd /usr/bin/curl`.</summary>
    private static string LibCurl()
    {
        var ldd = NetnsProcess.Run(["ldd", ProgramCopies.Installed("curl")], TimeSpan.FromSeconds(10)).EnsureSuccess();
        string line = ldd.Stdout.Split('\n').First(l => l.Contains("libcurl", StringComparison.Ordinal));
        string path = line.Split("=>")[1].Trim().Split(' ')[0];
        return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
    }
}
