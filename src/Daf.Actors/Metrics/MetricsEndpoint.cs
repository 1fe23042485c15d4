// SPDX-License-Identifier: Apache-2.0
using System.Globalization;
using System.Net;

namespace Daf.Actors.Metrics;

/// <summary><c>--metrics [ADDRESS:]PORT</c>: where the Prometheus endpoint listens; the address defaults to 127.0.0.1.</summary>
public sealed record MetricsEndpoint(IPAddress Address, int Port)
{
    /// <summary>Parses <c>PORT</c>, <c>A.B.C.D:PORT</c> or <c>[IPV6]:PORT</c>; null for anything else.</summary>
    public static MetricsEndpoint? TryParse(string value)
    {
        IPAddress address = IPAddress.Loopback;
        string port = value;
        if (value.StartsWith('['))
        {
            int close = value.IndexOf("]:", StringComparison.Ordinal);
            if (close < 0 || !IPAddress.TryParse(value.AsSpan(1, close - 1), out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
                return null;
            address = v6;
            port = value[(close + 2)..];
        }
        else if (value.IndexOf(':') is var colon and >= 0)
        {
            if (!IPAddress.TryParse(value.AsSpan(0, colon), out var v4) || v4.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
                return null;
            address = v4;
            port = value[(colon + 1)..];
        }
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number is < 1 or > 65535)
            return null;
        return new MetricsEndpoint(address, number);
    }

    public override string ToString() => new IPEndPoint(Address, Port).ToString();
}
