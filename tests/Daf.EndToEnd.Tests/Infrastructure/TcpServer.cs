// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A python3 TCP server in a namespace: accepts connections, reads each to EOF and prints how many bytes
/// it got (`closed N`) before closing it, which tells the client that everything arrived.
/// </summary>
public sealed class TcpServer : IDisposable
{
    private const string Script = """
        import socket, sys, threading
        host, port = sys.argv[1], int(sys.argv[2])
        srv = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((host, port))
        srv.listen(16)
        print('ready', flush=True)
        def serve(c):
            total = 0
            c.settimeout(120)
            try:
                while True:
                    b = c.recv(1 << 16)
                    if not b:
                        break
                    total += len(b)
            except OSError as e:
                print(f'error {e}', flush=True)
            print(f'closed {total}', flush=True)
            c.close()
        while True:
            c, _ = srv.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()
        """;

    private readonly NetnsProcess _process;

    private TcpServer(NetnsProcess process) => _process = process;

    public static TcpServer Start(NetnsBed bed, string ns, string address, int port)
    {
        var process = bed.Start(ns, "python3", "-c", Script, address, port.ToString());
        process.ExpectLine(l => l == "ready", $"TCP server on [{address}]:{port} starting");
        return new TcpServer(process);
    }

    /// <summary>Byte counts of the connections that reached EOF so far, in order.</summary>
    public IReadOnlyList<long> ClosedConnections =>
        _process.StdoutLines.Where(l => l.StartsWith("closed ", StringComparison.Ordinal))
            .Select(l => long.Parse(l["closed ".Length..])).ToArray();

    /// <summary>
    /// The byte counts once <paramref name="count"/> connections reached EOF (or whatever closed within
    /// the timeout). A client can see the close before the server's report reaches us.
    /// </summary>
    public IReadOnlyList<long> WaitForClosedConnections(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        var closed = ClosedConnections;
        while (closed.Count < count && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
            closed = ClosedConnections;
        }
        return closed;
    }

    public void Dispose() => _process.Dispose();
}
