// SPDX-License-Identifier: Apache-2.0
using Daf.Ctl.Transport;

namespace Daf.EndToEnd.Tests.Control;

[Collection(nameof(ControlTransportTests))]
public sealed class ControlClientOptionsTests
{
    private static (bool Ok, int? Port, string? Error) Resolve(string? commandLine, string? environment)
    {
        var saved = Environment.GetEnvironmentVariable(ControlClientOptions.PortVariable);
        Environment.SetEnvironmentVariable(ControlClientOptions.PortVariable, environment);
        try
        {
            var ok = ControlClientOptions.TryResolvePort(commandLine, out var port, out var error);
            return (ok, port, error);
        }
        finally
        {
            Environment.SetEnvironmentVariable(ControlClientOptions.PortVariable, saved);
        }
    }

    [Fact]
    public void Without_option_or_environment_the_hocon_default_applies() =>
        Assert.Equal((true, (int?)null, (string?)null), Resolve(null, null));

    [Fact]
    public void The_environment_sets_the_port_and_the_option_wins_over_it()
    {
        Assert.Equal((true, (int?)4790, (string?)null), Resolve(null, "4790"));
        Assert.Equal((true, (int?)4791, (string?)null), Resolve("4791", "4790"));
    }

    [Theory]
    [InlineData(null, "x", "DAF_CONTROL_PORT: 'x' is not a port number from 1 to 65535")]
    [InlineData("0", null, "--control-port: '0' is not a port number from 1 to 65535")]
    [InlineData("65536", "4790", "--control-port: '65536' is not a port number from 1 to 65535")]
    [InlineData("", null, "--control-port: '' is not a port number from 1 to 65535")]
    public void A_bad_port_is_a_one_line_error(string? commandLine, string? environment, string expected)
    {
        var (ok, port, error) = Resolve(commandLine, environment);

        Assert.False(ok);
        Assert.Null(port);
        Assert.Equal(expected, error);
    }
}
