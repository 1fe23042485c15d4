// SPDX-License-Identifier: Apache-2.0
using System.Security.Cryptography;
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests.Signatures;

/// <summary>
/// Three namespaces: the client (<see cref="NetnsBed.A"/>) signs what it sends (app-fw -t, OUTPUT queue 0; its
/// INPUT queue 1 gets the SYNs and SYN-ACKs it receives, whose MSS it lowers), the gateway (<see cref="NetnsBed.R"/>,
/// forwarding) verifies on FORWARD (-f, queue 2) what comes from the client, and the server (<see cref="NetnsBed.B"/>)
/// verifies on INPUT (-i, queue 1) what comes from the client. Keys live in a directory of the test's own (0600).
/// Packets marked <see cref="CrafterMark"/> skip the client's queue (a test's raw sender), and the gateway drops
/// packets arriving with TTL 3 before its queue (a test captures a signed packet the verifiers never saw).
/// Disposing stops the daemons and removes the namespaces and the keys.
/// </summary>
public sealed class SignatureBed : IDisposable
{
    public const int CrafterMark = 0x5a;

    private readonly List<AppFwDaemon> _daemons = [];
    private readonly string _keys;

    public SignatureBed()
    {
        Bed = new NetnsBed(routed: true);
        _keys = Directory.CreateTempSubdirectory("daf-e2e-keys-").FullName;
        try
        {
            Key = WriteKey("key");
            OtherKey = WriteKey("other");
            foreach (var tool in new[] { "iptables", "ip6tables" })
            {
                Bed.Exec(Bed.A, tool, "-w", "-A", "OUTPUT", "-o", "lo", "-j", "ACCEPT").EnsureSuccess();
                Bed.Exec(Bed.A, tool, "-w", "-A", "OUTPUT", "-m", "mark", "--mark", CrafterMark.ToString(), "-j", "ACCEPT").EnsureSuccess();
                Bed.Exec(Bed.A, tool, "-w", "-A", "OUTPUT", "-j", "NFQUEUE", "--queue-num", "0").EnsureSuccess();
                Bed.Exec(Bed.A, tool, "-w", "-A", "INPUT", "-i", "lo", "-j", "ACCEPT").EnsureSuccess();
                Bed.Exec(Bed.A, tool, "-w", "-A", "INPUT", "-p", "tcp", "--tcp-flags", "SYN", "SYN", "-j", "NFQUEUE", "--queue-num", "1").EnsureSuccess();
            }
            Bed.Exec(Bed.R!, "iptables", "-w", "-t", "raw", "-A", "PREROUTING", "-m", "ttl", "--ttl-eq", "3", "-j", "DROP").EnsureSuccess();
            foreach (var (tool, client) in new[] { ("iptables", Bed.A4), ("ip6tables", Bed.A6) })
            {
                Bed.Exec(Bed.R!, tool, "-w", "-A", "FORWARD", "-s", client, "-j", "NFQUEUE", "--queue-num", "2").EnsureSuccess();
                Bed.Exec(Bed.B, tool, "-w", "-A", "INPUT", "-s", client, "-j", "NFQUEUE", "--queue-num", "1").EnsureSuccess();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public NetnsBed Bed { get; }
    public string Client => Bed.A;
    public string Gateway => Bed.R!;
    public string Server => Bed.B;

    /// <summary>The shared key (32 random bytes, mode 0600) and another one.</summary>
    public string Key { get; }
    public string OtherKey { get; }

    /// <summary>app-fw on the client, signing (-t <paramref name="mode"/>) with <see cref="Key"/> unless told otherwise.</summary>
    public AppFwDaemon StartSigner(string mode = "packet", string? key = null, params string[] extra) =>
        Track(AppFwDaemon.Start(Bed, Client, ["-t", mode, "-s", key ?? Key, "--queue-fwd", "off", .. extra]));

    /// <summary>app-fw on the gateway verifying FORWARD (-f), with <paramref name="rules"/>.</summary>
    public AppFwDaemon StartGateway(string rules = "", string? key = null, params string[] extra) =>
        Track(AppFwDaemon.StartWithRules(Bed, Gateway, rules, ["-f", "-s", key ?? Key, "--queue-out", "off", "--queue-in", "off", .. extra]));

    /// <summary>app-fw on the server verifying INPUT (-i).</summary>
    public AppFwDaemon StartServer(string? key = null, params string[] extra) =>
        Track(AppFwDaemon.Start(Bed, Server, ["-i", "-s", key ?? Key, "--queue-out", "off", "--queue-fwd", "off", .. extra]));

    /// <summary>Writes a python program into the key directory (root only) and returns its path.</summary>
    public string Script(string name, string source)
    {
        string path = Path.Combine(_keys, name);
        File.WriteAllText(path, source);
        return path;
    }

    public string PathIn(string name) => Path.Combine(_keys, name);

    public void Dispose()
    {
        foreach (var daemon in _daemons) daemon.Dispose();
        Bed.Dispose();
        try
        {
            Directory.Delete(_keys, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private AppFwDaemon Track(AppFwDaemon daemon)
    {
        _daemons.Add(daemon);
        return daemon;
    }

    private string WriteKey(string name)
    {
        string path = Path.Combine(_keys, name);
        File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(32));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }
}
