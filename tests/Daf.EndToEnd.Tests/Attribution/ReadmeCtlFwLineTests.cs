// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>Matrix case 1 as the original README does it: the rule added with its ctl-fw line, word for word.</summary>
public sealed class ReadmeCtlFwLineTests
{
    [Fact]
    public void The_readme_ctl_fw_line_makes_curl_fail_while_wget_reaches_the_same_server()
    {
        using var bed = new AttributionBed();
        // ctl-fw's own loopback connection is not what this test judges.
        NfQueueRule.Insert(bed.Net, bed.Net.A, "OUTPUT", 0, bypass: false, "!", "-o", "lo", "-p", "tcp");
        var daemon = bed.StartFirewall(bed.Net.A, "OUTPUT", 0, [], "# no rules: ctl-fw adds the README's");
        using var server = HttpServer.Start(bed.Net, bed.Net.B, bed.Net.B4, 8080);
        var before = HttpClients.Curl(bed.Net, bed.Net.A, server.Url, maxSeconds: 3);
        Assert.True(before.Succeeded, $"curl should pass before the rule: {before.Describe()}");

        var added = OriginalReadme.Run(bed.Net, bed.Net.A, daemon.StateDir, OriginalReadme.CtlFwDropCurl, TimeSpan.FromSeconds(40));
        Assert.True(added.Succeeded, $"{added.Describe()}\napp-fw: {daemon.Stderr}");

        var curl = HttpClients.Curl(bed.Net, bed.Net.A, server.Url, maxSeconds: 3);
        var wget = HttpClients.Wget(bed.Net, bed.Net.A, server.Url, maxSeconds: 3);
        Assert.False(curl.Succeeded, $"curl should be blocked by the README's rule: {curl.Describe()}\napp-fw: {daemon.Stderr}");
        Assert.True(wget.Succeeded && wget.Stdout == HttpServer.Page.TrimEnd('\n'), $"wget should reach the server: {wget.Describe()}\napp-fw: {daemon.Stderr}");
        bed.StopDaemonCleanly();
    }
}
