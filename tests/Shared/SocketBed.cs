// SPDX-License-Identifier: Apache-2.0
using System.Net;
using System.Net.Sockets;

namespace Daf.Interop.Tests;

/// <summary>
/// A test namespace and the sockets a test made inside it (made on a thread joined to the namespace, so they
/// live there); Dispose closes the sockets and deletes the namespace.
/// </summary>
public sealed class SocketBed : IDisposable
{
    private readonly List<Socket> _sockets = [];

    public SocketBed(string prefix, bool allowPing = false)
    {
        Namespace = new TestNetns(prefix);
        if (!allowPing)
            return;
        try
        {
            Namespace.Exec("sysctl", "-qw", "net.ipv4.ping_group_range=0 2147483647");
        }
        catch
        {
            Namespace.Dispose();
            throw;
        }
    }

    public TestNetns Namespace { get; }

    public string Path => Namespace.Path;

    /// <summary>Runs <paramref name="create"/> inside the namespace and keeps the socket for Dispose.</summary>
    public Socket Make(Func<Socket> create)
    {
        Socket socket = Namespace.RunIn(create);
        _sockets.Add(socket);
        return socket;
    }

    /// <summary>A socket made inside the namespace, bound when <paramref name="bind"/> is given.</summary>
    public Socket Make(AddressFamily family, SocketType type, ProtocolType protocol, EndPoint? bind = null) => Make(() =>
    {
        var s = new Socket(family, type, protocol);
        if (bind != null)
            s.Bind(bind);
        return s;
    });

    /// <summary>A listener on <paramref name="address"/> (or on :: dual-stack), a client connected to it and the accepted socket.</summary>
    public (Socket Client, Socket Accepted, Socket Listener) TcpPair(IPAddress address, bool dualModeListener = false)
    {
        Socket listener = Make(() =>
        {
            var s = dualModeListener
                ? new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true }
                : new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(dualModeListener ? IPAddress.IPv6Any : address, 0));
            s.Listen();
            return s;
        });
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        Socket client = Make(() =>
        {
            var s = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            s.Connect(new IPEndPoint(address, port));
            return s;
        });
        Socket accepted = listener.Accept();
        _sockets.Add(accepted);
        return (client, accepted, listener);
    }

    public void Dispose()
    {
        foreach (Socket s in _sockets)
            s.Dispose();
        Namespace.Dispose();
    }
}
