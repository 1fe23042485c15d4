// SPDX-License-Identifier: Apache-2.0
using System.Security.Cryptography;

namespace Daf.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Two fresh network namespaces, <see cref="A"/> and <see cref="B"/>, joined by a veth pair, with IPv4
/// (a /30 from 10.233.0.0/16) and IPv6 (fd00:daf:N::/64) addresses and loopback up. Nothing is touched in
/// the initial namespace: the veth is created inside A. Disposing kills every process started through
/// the bed and deletes both namespaces, which also removes their iptables rules; it never throws.
/// </summary>
public sealed class NetnsBed : IDisposable
{
    private const int Slots = 16384; // /30 blocks in 10.233.0.0/16
    private static int s_nextSlot = RandomNumberGenerator.GetInt32(Slots);
    private static readonly TimeSpan s_defaultTimeout = TimeSpan.FromSeconds(30);
    private static readonly object s_logGate = new();

    private readonly List<NetnsProcess> _processes = [];
    private readonly List<string> _created = [];

    public NetnsBed()
    {
        if (!Environment.IsPrivilegedProcess)
            throw new InvalidOperationException("the end-to-end tests need root (network namespaces, iptables): run `sudo make test`");
        string id = Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        int slot = (int)((uint)Interlocked.Increment(ref s_nextSlot) % Slots);
        Id = id;
        A = $"daf-e2e-{id}-a";
        B = $"daf-e2e-{id}-b";
        VethA = $"daf{id}a";
        VethB = $"daf{id}b";
        int host = slot * 4;
        string net4 = $"10.233.{host >> 8}.{host & 0xff}";
        A4 = $"10.233.{host >> 8}.{(host & 0xff) + 1}";
        B4 = $"10.233.{host >> 8}.{(host & 0xff) + 2}";
        A6 = $"fd00:daf:{slot:x}::1";
        B6 = $"fd00:daf:{slot:x}::2";
        Subnet4 = $"{net4}/30";
        Subnet6 = $"fd00:daf:{slot:x}::/64";
        try
        {
            foreach (var ns in new[] { A, B })
            {
                LogName(ns);
                Host("ip", "netns", "add", ns);
                _created.Add(ns);
                Host("ip", "-n", ns, "link", "set", "lo", "up");
            }
            Host("ip", "-n", A, "link", "add", VethA, "type", "veth", "peer", "name", VethB, "netns", B);
            Configure(A, VethA, A4, A6);
            Configure(B, VethB, B4, B6);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Id { get; }
    public string A { get; }
    public string B { get; }
    public string VethA { get; }
    public string VethB { get; }
    public string A4 { get; }
    public string B4 { get; }
    public string A6 { get; }
    public string B6 { get; }
    public string Subnet4 { get; }
    public string Subnet6 { get; }

    public bool Owns(string ns) => ns == A || ns == B;

    /// <summary>The address of namespace <paramref name="ns"/> for IP version 4 or 6.</summary>
    public string Address(string ns, int ipVersion)
    {
        EnsureOwned(ns);
        return (ns == A, ipVersion) switch
        {
            (true, 4) => A4,
            (true, 6) => A6,
            (false, 4) => B4,
            (false, 6) => B6,
            _ => throw new ArgumentOutOfRangeException(nameof(ipVersion), ipVersion, "4 or 6"),
        };
    }

    /// <summary>Runs a command inside <paramref name="ns"/> to completion (killed at the timeout).</summary>
    public ExecResult Exec(string ns, params string[] command) => Exec(ns, s_defaultTimeout, command);

    public ExecResult Exec(string ns, TimeSpan timeout, params string[] command)
    {
        EnsureOwned(ns);
        return NetnsProcess.Run(["ip", "netns", "exec", ns, .. command], timeout);
    }

    /// <summary>Starts a command inside <paramref name="ns"/>; the bed kills it on dispose.</summary>
    public NetnsProcess Start(string ns, params string[] command)
    {
        EnsureOwned(ns);
        var process = new NetnsProcess(["ip", "netns", "exec", ns, .. command]);
        lock (_processes) _processes.Add(process);
        return process;
    }

    public void Dispose()
    {
        NetnsProcess[] processes;
        lock (_processes)
        {
            processes = _processes.ToArray();
            _processes.Clear();
        }
        foreach (var p in processes)
            p.Dispose();
        foreach (var ns in _created)
        {
            try
            {
                NetnsProcess.Run(["ip", "netns", "del", ns], TimeSpan.FromSeconds(10));
            }
            catch (Exception)
            {
                // Dispose must not throw; scripts/run-tests.sh reports a namespace that survived.
            }
        }
        _created.Clear();
    }

    private void Configure(string ns, string veth, string v4, string v6)
    {
        Host("ip", "-n", ns, "addr", "add", $"{v4}/30", "dev", veth);
        Host("ip", "-n", ns, "-6", "addr", "add", $"{v6}/64", "dev", veth, "nodad");
        Host("ip", "-n", ns, "link", "set", veth, "up");
    }

    /// <summary>
    /// Appends a namespace name to the file named by DAF_E2E_NS_LOG, if set: scripts/run-tests.sh removes
    /// the ones a crashed run left behind, and only those.
    /// </summary>
    private static void LogName(string ns)
    {
        if (Environment.GetEnvironmentVariable("DAF_E2E_NS_LOG") is not { Length: > 0 } log)
            return;
        lock (s_logGate)
            File.AppendAllText(log, ns + "\n");
    }

    private static void Host(params string[] argv) => NetnsProcess.Run(argv, s_defaultTimeout).EnsureSuccess();

    private void EnsureOwned(string ns)
    {
        if (!Owns(ns))
            throw new ArgumentException($"{ns} is not a namespace of this bed ({A}, {B})", nameof(ns));
    }
}
