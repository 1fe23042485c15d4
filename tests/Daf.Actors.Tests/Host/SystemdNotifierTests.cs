// SPDX-License-Identifier: Apache-2.0
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Daf.Actors.Host;
using Daf.Interop.Systemd;
using Daf.Interop.Time;

namespace Daf.Actors.Tests.Host;

/// <summary>sd_notify's protocol, run against a datagram socket the test binds (abstract address).</summary>
public sealed class SystemdNotifierTests : IDisposable
{
    private readonly string _name = "@daf-test-sdnotify-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6));
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly List<string> _warnings = [];
    private readonly SystemdNotifier _notifier;

    public SystemdNotifierTests()
    {
        _listener.Bind(new UnixDomainSocketEndPoint("\0" + _name[1..]));
        _listener.ReceiveTimeout = 10_000;
        _notifier = new SystemdNotifier(NotifySocket.Open(_name), _warnings.Add);
    }

    private Dictionary<string, string> Receive()
    {
        var buffer = new byte[4096];
        int n = _listener.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, n).Split('\n')
            .Select(line => line.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1]);
    }

    [Fact]
    public void Ready_says_READY_with_a_status()
    {
        _notifier.Ready("serving OUTPUT=0");

        var message = Receive();
        Assert.Equal("1", message["READY"]);
        Assert.Equal("serving OUTPUT=0", message["STATUS"]);
    }

    [Fact]
    public void Reloading_carries_the_monotonic_time_of_the_reload()
    {
        ulong before = MonotonicClock.Microseconds();
        _notifier.Reloading("reloading rules");
        ulong after = MonotonicClock.Microseconds();

        var message = Receive();
        Assert.Equal("1", message["RELOADING"]);
        ulong stamp = ulong.Parse(message["MONOTONIC_USEC"], CultureInfo.InvariantCulture);
        Assert.InRange(stamp, before, after);
    }

    [Fact]
    public void Ready_after_a_reload_repeats_the_last_status()
    {
        _notifier.Ready("serving OUTPUT=0");
        Receive();
        _notifier.Reloading("reloading");
        Receive();

        _notifier.Ready();

        var message = Receive();
        Assert.Equal("1", message["READY"]);
        Assert.Equal("serving OUTPUT=0", message["STATUS"]);
    }

    [Fact]
    public void Stopping_says_STOPPING()
    {
        _notifier.Stopping("stopping");

        Assert.Equal("1", Receive()["STOPPING"]);
    }

    [Fact]
    public void A_status_with_a_newline_stays_one_assignment()
    {
        _notifier.Status("two\nlines");

        var message = Receive();
        Assert.Single(message);
        Assert.Equal("two lines", message["STATUS"]);
    }

    [Fact]
    public void A_listener_that_went_away_is_reported_once_and_never_throws()
    {
        _listener.Dispose();

        _notifier.Ready("a");
        _notifier.Stopping("b");

        Assert.Single(_warnings);
        Assert.Contains("ECONNREFUSED", _warnings[0]);
    }

    [Fact]
    public void Without_a_socket_nothing_is_sent_and_nothing_fails()
    {
        using var silent = new SystemdNotifier(null, _warnings.Add);

        silent.Ready("x");
        silent.Reloading("y");

        Assert.False(silent.Enabled);
        Assert.Empty(_warnings);
    }

    public void Dispose()
    {
        _notifier.Dispose();
        _listener.Dispose();
    }
}
