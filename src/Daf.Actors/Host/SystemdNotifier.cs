// SPDX-License-Identifier: Apache-2.0
using System.Globalization;
using System.Text;
using Daf.Interop.Posix;
using Daf.Interop.Systemd;
using Daf.Interop.Time;

namespace Daf.Actors.Host;

/// <summary>
/// Tells systemd (a <c>Type=notify</c> unit) what app-fw is doing, sd_notify(3)'s protocol over
/// <see cref="NotifySocket"/>: READY=1 once every queue is bound, RELOADING=1 with MONOTONIC_USEC while SIGHUP
/// reloads, STOPPING=1 at SIGTERM, STATUS= lines for <c>systemctl status</c>. Without <c>$NOTIFY_SOCKET</c>
/// every call does nothing. A notification that cannot be sent is reported once and never stops the daemon.
/// </summary>
public sealed class SystemdNotifier : IDisposable
{
    public const string SocketVariable = "NOTIFY_SOCKET";

    private readonly NotifySocket? _socket;
    private readonly Action<string> _warn;
    private int _warned;

    public SystemdNotifier(NotifySocket? socket, Action<string> warn)
    {
        _socket = socket;
        _warn = warn;
    }

    /// <summary>From <c>$NOTIFY_SOCKET</c>; a name that cannot be used is reported through <paramref name="warn"/>.</summary>
    public static SystemdNotifier FromEnvironment(Action<string> warn)
    {
        var name = Environment.GetEnvironmentVariable(SocketVariable);
        try
        {
            return new SystemdNotifier(NotifySocket.Open(name), warn);
        }
        catch (Exception e) when (e is ArgumentException or PosixException)
        {
            warn($"{SocketVariable}: {e.Message}; systemd will not be notified");
            return new SystemdNotifier(null, warn);
        }
    }

    public bool Enabled => _socket is not null;

    private string _readyStatus = "ready";

    public void Ready(string status)
    {
        _readyStatus = OneLine(status);
        Send($"READY=1\nSTATUS={_readyStatus}");
    }

    /// <summary>READY=1 again after a reload, with the status of the last <see cref="Ready(string)"/>.</summary>
    public void Ready() => Send($"READY=1\nSTATUS={_readyStatus}");

    /// <summary>RELOADING=1 with the CLOCK_MONOTONIC time, as systemd's Type=notify-reload requires; <see cref="Ready"/> ends it.</summary>
    public void Reloading(string status)
    {
        if (_socket is null) return;
        Send(string.Create(CultureInfo.InvariantCulture, $"RELOADING=1\nMONOTONIC_USEC={MonotonicClock.Microseconds()}\nSTATUS={OneLine(status)}"));
    }

    public void Stopping(string status) => Send($"STOPPING=1\nSTATUS={OneLine(status)}");

    public void Status(string status) => Send($"STATUS={OneLine(status)}");

    /// <summary>A newline would end the assignment and start another: a status is kept to one line.</summary>
    internal static string OneLine(string status) => status.ReplaceLineEndings(" ");

    private void Send(string message)
    {
        if (_socket is null) return;
        try
        {
            _socket.Send(Encoding.UTF8.GetBytes(message));
        }
        catch (PosixException e)
        {
            if (Interlocked.Exchange(ref _warned, 1) == 0)
                _warn($"cannot notify systemd: {e.Message}");
        }
    }

    public void Dispose() => _socket?.Dispose();
}
