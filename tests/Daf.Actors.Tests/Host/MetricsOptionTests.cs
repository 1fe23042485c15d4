// SPDX-License-Identifier: Apache-2.0
using System.Net;
using Daf.Actors.Host;

namespace Daf.Actors.Tests.Host;

public sealed class MetricsOptionTests
{
    [Fact]
    public void Metrics_are_off_unless_asked_for_and_bind_to_loopback_by_default()
    {
        Assert.Null(AppFwOptions.Parse([], out _)!.Metrics);
        var options = AppFwOptions.Parse(["--metrics", "9108"], out var error);
        Assert.Null(error);
        Assert.Equal(IPAddress.Loopback, options!.Metrics!.Address);
        Assert.Equal(9108, options.Metrics.Port);
        Assert.Equal(IPAddress.Parse("::1"), AppFwOptions.Parse(["--metrics=[::1]:9200"], out _)!.Metrics!.Address);
    }

    [Theory]
    [InlineData("--metrics")]
    [InlineData("--metrics", "host:9108")]
    [InlineData("--metrics", "70000")]
    public void A_bad_metrics_option_is_a_usage_error(params string[] args)
    {
        Assert.Null(AppFwOptions.Parse(args, out var error));
        Assert.Contains("--metrics", error);
    }
}
