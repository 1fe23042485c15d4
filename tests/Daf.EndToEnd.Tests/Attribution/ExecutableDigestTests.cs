// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>Matrix case 1: the original README's demonstration.</summary>
public sealed class ExecutableDigestTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void Curl_is_blocked_by_its_executable_digest_while_wget_reaches_the_same_server(int ipVersion)
    {
        using var bed = new AttributionBed();
        string curlDigest = ProgramCopies.DigestOf(ProgramCopies.Installed("curl"));
        bed.StartFirewall(bed.Net.A, "OUTPUT", 0, ["tcp"], $"-A -c OUTPUT --sng-hash {curlDigest} -v DROP");
        using var server = HttpServer.Start(bed.Net, bed.Net.B, bed.Net.Address(bed.Net.B, ipVersion), 8080);

        var curl = HttpClients.Curl(bed.Net, bed.Net.A, server.Url, maxSeconds: 3);
        var wget = HttpClients.Wget(bed.Net, bed.Net.A, server.Url, maxSeconds: 3);

        Assert.True(wget.Succeeded && wget.Stdout == HttpServer.Page.TrimEnd('\n'), $"wget should reach the server: {wget.Describe()}\napp-fw: {bed.Daemon.Stderr}");
        Assert.False(curl.Succeeded, $"curl should be blocked by its digest: {curl.Describe()}");
        Assert.True(curl.ExitCode == 28 || curl.ExitCode == 7, $"curl should fail to connect (7) or time out (28): {curl.Describe()}");
        var stats = bed.Daemon.RequestStats();
        Assert.True(stats.Queue(0).Dropped > 0, $"the OUTPUT queue dropped nothing: {stats}");
        // Not "all attributed": a TCP segment the kernel sends for a socket already closed (the last ACK,
        // a RST) has no holder by nature and is counted as unattributed.
        if (IdentityCounters.Of(stats, 0).IdentityLookups is { } lookups)
            Assert.True(lookups > 0, $"the digest rule was judged without an identity lookup: {stats}");
        bed.StopDaemonCleanly();
    }
}
