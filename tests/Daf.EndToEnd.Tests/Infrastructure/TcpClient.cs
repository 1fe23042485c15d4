// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A python3 TCP client: connects, sends <c>bytes</c> in chunks (optionally paced), half-closes and waits
/// for the server to close, so exit status 0 means every byte arrived. Exit 3: connect failed.
/// </summary>
public static class TcpClient
{
    private const string Script = """
        import socket, sys, time
        host, port, total, chunk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
        pause, timeout = float(sys.argv[5]) / 1000, float(sys.argv[6])
        s = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect((host, port))
        except OSError as e:
            print(f'connect failed: {e}', file=sys.stderr)
            sys.exit(3)
        buf = bytes(chunk)
        sent = 0
        while sent < total:
            n = min(chunk, total - sent)
            s.sendall(buf[:n])
            sent += n
            if pause > 0:
                time.sleep(pause)
        s.shutdown(socket.SHUT_WR)
        while s.recv(4096):
            pass
        print(f'sent {sent}', flush=True)
        """;

    public static ExecResult Send(NetnsBed bed, string ns, string address, int port, long bytes,
        int chunk = 1 << 16, double pauseMs = 0, double timeoutSeconds = 10) =>
        bed.Exec(ns, TimeSpan.FromSeconds(timeoutSeconds * 4 + 30), Argv(address, port, bytes, chunk, pauseMs, timeoutSeconds));

    public static NetnsProcess Start(NetnsBed bed, string ns, string address, int port, long bytes,
        int chunk = 1 << 16, double pauseMs = 0, double timeoutSeconds = 10) =>
        bed.Start(ns, Argv(address, port, bytes, chunk, pauseMs, timeoutSeconds));

    private static string[] Argv(string address, int port, long bytes, int chunk, double pauseMs, double timeoutSeconds) =>
        ["python3", "-c", Script, address, port.ToString(), bytes.ToString(), chunk.ToString(),
         pauseMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
         timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)];
}
