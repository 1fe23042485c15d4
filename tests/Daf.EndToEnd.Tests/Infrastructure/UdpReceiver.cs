// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;

namespace Daf.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A python3 UDP socket bound in a namespace that counts the datagrams reaching it. Its receive buffer is
/// forced large (SO_RCVBUFFORCE) so that the socket itself drops nothing under a paced flood.
/// </summary>
public sealed class UdpReceiver : IDisposable
{
    private const string Script = """
        import signal, socket, sys, time
        host, port, rcvbuf, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
        s = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, getattr(socket, 'SO_RCVBUFFORCE', 33), rcvbuf)
        s.bind((host, port))
        s.settimeout(0.05)
        stop = False
        def on_stop(*_):
            global stop
            stop = True
        signal.signal(signal.SIGTERM, on_stop)
        signal.signal(signal.SIGINT, on_stop)
        print('ready', flush=True)
        count = nbytes = 0
        reported = -1
        end = time.monotonic() + limit
        while not stop and time.monotonic() < end:
            try:
                nbytes += len(s.recv(65535))
                count += 1
                if count % 1000:
                    continue
            except socket.timeout:
                pass
            if count != reported:
                print(f'progress {count}', flush=True)
                reported = count
        s.setblocking(False)
        while True:
            try:
                nbytes += len(s.recv(65535))
                count += 1
            except BlockingIOError:
                break
        print(f'count {count} bytes {nbytes}', flush=True)
        """;

    private readonly NetnsProcess _process;

    private UdpReceiver(NetnsProcess process) => _process = process;

    public static UdpReceiver Start(NetnsBed bed, string ns, string address, int port, int rcvbufBytes = 32 << 20, int maxSeconds = 120)
    {
        var process = bed.Start(ns, "python3", "-c", Script, address, port.ToString(), rcvbufBytes.ToString(), maxSeconds.ToString());
        process.ExpectLine(l => l == "ready", $"UDP receiver on [{address}]:{port} starting");
        return new UdpReceiver(process);
    }

    /// <summary>Datagrams counted so far (updated every 1000 datagrams or 50 ms of silence).</summary>
    public long CountSoFar
    {
        get
        {
            var last = _process.StdoutLines.LastOrDefault(l => l.StartsWith("progress ", StringComparison.Ordinal));
            return last is null ? 0 : long.Parse(last["progress ".Length..]);
        }
    }

    /// <summary>
    /// Waits until nothing new arrived for <paramref name="quiet"/> (bounded by <paramref name="max"/>),
    /// stops the receiver and returns the number of datagrams it got.
    /// </summary>
    public long StopAndCount(TimeSpan? quiet = null, TimeSpan? max = null)
    {
        WaitUntilQuiet([this], quiet, max);
        if (!_process.HasExited)
            _process.Signal(Signals.SIGTERM);
        string final = _process.ExpectLine(l => l.StartsWith("count ", StringComparison.Ordinal), "UDP receiver's final count");
        return long.Parse(final.Split(' ')[1]);
    }

    /// <summary>Waits until none of the receivers counted anything new for <paramref name="quiet"/> (500 ms).</summary>
    public static void WaitUntilQuiet(IReadOnlyCollection<UdpReceiver> receivers, TimeSpan? quiet = null, TimeSpan? max = null)
    {
        var quietFor = quiet ?? TimeSpan.FromMilliseconds(500);
        var limit = Stopwatch.StartNew();
        var still = Stopwatch.StartNew();
        long seen = receivers.Sum(r => r.CountSoFar);
        while (still.Elapsed < quietFor && limit.Elapsed < (max ?? TimeSpan.FromSeconds(30)))
        {
            Thread.Sleep(50);
            long now = receivers.Sum(r => r.CountSoFar);
            if (now != seen)
            {
                seen = now;
                still.Restart();
            }
        }
    }

    public void Dispose() => _process.Dispose();
}
