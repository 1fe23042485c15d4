// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>
/// A python3 UDP socket in a namespace that prints each datagram's payload (a short tag), so a test can
/// tell exactly which sends arrived. With <c>echo</c> it also sends each datagram back (latency probes).
/// </summary>
public sealed class TaggedUdpReceiver : IDisposable
{
    private const string Script = """
        import socket, sys, time
        host, port, echo = sys.argv[1], int(sys.argv[2]), sys.argv[3] == 'echo'
        s = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((host, port))
        print('ready', flush=True)
        end = time.monotonic() + 120
        s.settimeout(1)
        while time.monotonic() < end:
            try:
                data, peer = s.recvfrom(2048)
            except socket.timeout:
                continue
            if echo:
                s.sendto(data, peer)
            print('got ' + data.decode(errors='replace'), flush=True)
        """;

    private readonly NetnsProcess _process;

    private TaggedUdpReceiver(NetnsProcess process, string address, int port)
    {
        _process = process;
        Address = address;
        Port = port;
    }

    public string Address { get; }
    public int Port { get; }

    /// <summary>`ADDRESS/PORT`, the sender program's destination syntax.</summary>
    public string SenderTarget => $"{Address}/{Port}";

    public static TaggedUdpReceiver Start(NetnsBed bed, string ns, string address, int port, bool echo = false)
    {
        var process = bed.Start(ns, AttributionBed.Python3, "-u", "-c", Script, address, port.ToString(), echo ? "echo" : "count");
        process.ExpectLine(l => l == "ready", $"UDP receiver on [{address}]:{port} starting");
        return new TaggedUdpReceiver(process, address, port);
    }

    /// <summary>The payloads received so far, in arrival order.</summary>
    public IReadOnlyList<string> Tags =>
        _process.StdoutLines.Where(l => l.StartsWith("got ", StringComparison.Ordinal)).Select(l => l[4..]).ToArray();

    /// <summary>Waits until nothing new arrived for <paramref name="quiet"/>, at most <paramref name="max"/> (5 s).</summary>
    public IReadOnlyList<string> TagsWhenQuiet(TimeSpan? quiet = null, TimeSpan? max = null)
    {
        var quietFor = quiet ?? TimeSpan.FromMilliseconds(300);
        var limit = Stopwatch.StartNew();
        var still = Stopwatch.StartNew();
        int seen = Tags.Count;
        while (still.Elapsed < quietFor && limit.Elapsed < (max ?? TimeSpan.FromSeconds(5)))
        {
            Thread.Sleep(20);
            int now = Tags.Count;
            if (now != seen)
            {
                seen = now;
                still.Restart();
            }
        }
        return Tags;
    }

    public void Dispose() => _process.Dispose();
}
