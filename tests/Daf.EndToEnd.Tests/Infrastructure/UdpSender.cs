// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A bounded python3 UDP sender: <c>perPort</c> datagrams to each port, interleaved in runs of 1 to 8 so
/// that verdicts change often, paced in bursts with short sleeps, stopped at a deadline. The payload
/// repeats <c>fill</c> (hex), zeros by default.
/// </summary>
public static class UdpSender
{
    private const string Script = """
        import errno, os, socket, sys, time
        host, ports, per_port = sys.argv[1], [int(p) for p in sys.argv[2].split(',')], int(sys.argv[3])
        size, burst, pause, limit = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]) / 1000, float(sys.argv[7])
        s = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET, socket.SOCK_DGRAM)
        sent = {p: 0 for p in ports}
        errors = {p: 0 for p in ports}
        fill = bytes.fromhex(sys.argv[8])
        payload = (fill * (size // len(fill) + 1))[:size]
        if len(sys.argv) > 9 and int(sys.argv[9]) > 0:
            for _ in range(20):
                s.sendto(payload, (host, int(sys.argv[9])))
            time.sleep(2)
        end = time.monotonic() + limit
        run, total = 0, 0
        while time.monotonic() < end and any(sent[p] < per_port for p in ports):
            run = run % 8 + 1
            for p in ports:
                for _ in range(min(run, per_port - sent[p])):
                    while True:
                        try:
                            s.sendto(payload, (host, p))
                            sent[p] += 1
                            break
                        except OSError as e:
                            if e.errno in (errno.ENOBUFS, errno.EAGAIN) and time.monotonic() < end:
                                time.sleep(0.001)
                                continue
                            errors[p] += 1
                            break
                    total += 1
                    if total % burst == 0 and pause > 0:
                        time.sleep(pause)
        for p in ports:
            print(f'sent {p} {sent[p]} errors {errors[p]}', flush=True)
        if len(sys.argv) > 10:
            print('holding', flush=True)
            end = time.monotonic() + 30
            while not os.path.exists(sys.argv[10]) and time.monotonic() < end:
                time.sleep(0.01)
        """;

    /// <summary>Sends and waits; returns datagrams sent per port.</summary>
    public static IReadOnlyDictionary<int, long> Send(NetnsBed bed, string ns, string address, IReadOnlyList<int> ports,
        int perPort, int size = 64, int burst = 100, double pauseMs = 1, int maxSeconds = 60, string fill = "00")
    {
        var result = bed.Exec(ns, TimeSpan.FromSeconds(maxSeconds + 10), Argv(address, ports, perPort, size, burst, pauseMs, maxSeconds, fill));
        result.EnsureSuccess();
        return ParseSent(result.Stdout);
    }

    /// <summary>Datagrams a warm-up sends (<see cref="Start"/>'s warmUpPort), not counted in the totals.</summary>
    public const int WarmUpDatagrams = 20;

    /// <summary>
    /// Starts sending in the background; read the totals with <see cref="ParseSent"/> once it exits. With
    /// <paramref name="warmUpPort"/>, the same socket first sends <see cref="WarmUpDatagrams"/> there and waits 2 s.
    /// </summary>
    /// <param name="holdUntil">When set, the sender prints `holding` after its totals and keeps its socket (bounded,
    /// 30 s) until this file exists: its datagrams are judged while it lives, so it is no short-lived sender.</param>
    public static NetnsProcess Start(NetnsBed bed, string ns, string address, IReadOnlyList<int> ports,
        int perPort, int size = 64, int burst = 100, double pauseMs = 1, int maxSeconds = 60, string fill = "00", int? warmUpPort = null,
        string? holdUntil = null) =>
        bed.Start(ns, [.. Argv(address, ports, perPort, size, burst, pauseMs, maxSeconds, fill),
            .. warmUpPort is { } port ? [port.ToString()] : holdUntil is null ? Array.Empty<string>() : ["0"],
            .. holdUntil is null ? Array.Empty<string>() : [holdUntil]]);

    public static IReadOnlyDictionary<int, long> ParseSent(string stdout)
    {
        var sent = new Dictionary<int, long>();
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(' ');
            if (f.Length >= 3 && f[0] == "sent")
                sent[int.Parse(f[1])] = long.Parse(f[2]);
        }
        return sent;
    }

    private static string[] Argv(string address, IReadOnlyList<int> ports, int perPort, int size, int burst, double pauseMs, int maxSeconds, string fill) =>
        ["python3", "-c", Script, address, string.Join(',', ports), perPort.ToString(), size.ToString(), burst.ToString(),
         pauseMs.ToString(System.Globalization.CultureInfo.InvariantCulture), maxSeconds.ToString(), fill];
}
