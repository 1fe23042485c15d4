// SPDX-License-Identifier: Apache-2.0
using System.Globalization;

namespace Daf.Ctl.Transport;

/// <summary>Where ctl-fw finds the daemon: the state directory holding control.pfx, the port, and how long to wait.</summary>
public sealed record ControlClientOptions
{
    public const string PortVariable = "DAF_CONTROL_PORT";

    public string StateDirectory { get; init; } = "/run/daf";
    /// <summary>The daemon's port; null means hocon's default (akka.remote.dot-netty.tcp.port).</summary>
    public int? Port { get; init; }
    /// <summary>How long to wait for the association (at most 15 s) and the answer together.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The port from <c>--control-port</c> if given, else from <c>DAF_CONTROL_PORT</c>, else null (default).
    /// Returns false with a one-line error when the one that applies is not a port number.
    /// </summary>
    public static bool TryResolvePort(string? commandLineValue, out int? port, out string? error)
    {
        port = null;
        error = null;
        var (source, text) = commandLineValue is not null
            ? ("--control-port", commandLineValue)
            : (PortVariable, Environment.GetEnvironmentVariable(PortVariable));
        if (string.IsNullOrEmpty(text) && commandLineValue is null) return true;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > ushort.MaxValue)
        {
            error = $"{source}: '{text}' is not a port number from 1 to 65535";
            return false;
        }
        port = n;
        return true;
    }
}
