// SPDX-License-Identifier: Apache-2.0
using System.Security.Cryptography;

namespace Daf.EndToEnd.Tests.Infrastructure;

/// <summary>
/// Two fresh network namespaces, <see cref="A"/> and <see cref="B"/>, joined by a veth pair, with IPv4
/// (a /30 from 10.233.0.0/16) and IPv6 (fd00:daf:N::/64) addresses and loopback up; or, routed, three:
/// A and B each linked to a router namespace <see cref="R"/> that forwards between them. Nothing is
/// touched in the initial namespace: each veth is created inside a bed namespace. Disposing kills every
/// process started through the bed and deletes the namespaces, which also removes their iptables rules;
/// it never throws.
/// </summary>
public sealed class NetnsBed : IDisposable
{
    private const int Slots = 16384; // /30 blocks in 10.233.0.0/16
    private static int s_nextSlot = RandomNumberGenerator.GetInt32(Slots);
    private static readonly TimeSpan s_defaultTimeout = TimeSpan.FromSeconds(30);
    private static readonly object s_logGate = new();

    private readonly List<NetnsProcess> _processes = [];
    private readonly List<string> _created = [];
    private readonly Dictionary<string, (string V4, string V6)> _addresses = [];

    public NetnsBed(bool routed = false)
    {
        if (!Environment.IsPrivilegedProcess)
            throw new InvalidOperationException("the end-to-end tests need root (network namespaces, iptables): run `sudo make test`");
        Id = Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        A = $"daf-e2e-{Id}-a";
        B = $"daf-e2e-{Id}-b";
        R = routed ? $"daf-e2e-{Id}-r" : null;
        try
        {
            foreach (var ns in R is null ? new[] { A, B } : [A, R, B])
            {
                LogName(ns);
                Host("ip", "netns", "add", ns);
                _created.Add(ns);
                Host("ip", "-n", ns, "link", "set", "lo", "up");
                // No DAD on link-local addresses either: a router whose link-local address is still
                // tentative sends no neighbour solicitation and holds forwarded IPv6 for a second or more.
                Host("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
            }
            if (R is null)
            {
                (Subnet4, Subnet6) = Link(A, B, "a", "b");
            }
            else
            {
                (Subnet4, Subnet6) = Link(A, R, "a", "ra");
                var facingA = _addresses[R];
                Link(R, B, "rb", "b");
                var facingB = _addresses[R];
                _addresses[R] = facingA;
                Host("ip", "netns", "exec", R, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
                DefaultRoute(A, facingA);
                DefaultRoute(B, facingB);
            }
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

    /// <summary>The router between A and B in a routed bed; null otherwise.</summary>
    public string? R { get; }

    public string A4 => _addresses[A].V4;
    public string B4 => _addresses[B].V4;
    public string A6 => _addresses[A].V6;
    public string B6 => _addresses[B].V6;

    /// <summary>The subnets of A's link.</summary>
    public string Subnet4 { get; }
    public string Subnet6 { get; }

    public bool Owns(string ns) => ns == A || ns == B || (R is not null && ns == R);

    /// <summary>The address of namespace <paramref name="ns"/> for IP version 4 or 6 (the router's: on A's side).</summary>
    public string Address(string ns, int ipVersion)
    {
        EnsureOwned(ns);
        return ipVersion switch
        {
            4 => _addresses[ns].V4,
            6 => _addresses[ns].V6,
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

    /// <summary>
    /// A veth pair between two namespaces on the next free /30 and /64: .1 / ::1 on the first, .2 / ::2 on
    /// the second. Returns the two subnets.
    /// </summary>
    private (string V4, string V6) Link(string first, string second, string firstSuffix, string secondSuffix)
    {
        int slot = (int)((uint)Interlocked.Increment(ref s_nextSlot) % Slots);
        int host = slot * 4;
        string prefix4 = $"10.233.{host >> 8}.";
        string prefix6 = $"fd00:daf:{slot:x}::";
        string vethFirst = $"daf{Id}{firstSuffix}";
        string vethSecond = $"daf{Id}{secondSuffix}";
        Host("ip", "-n", first, "link", "add", vethFirst, "type", "veth", "peer", "name", vethSecond, "netns", second);
        foreach (var (ns, veth, n) in new[] { (first, vethFirst, 1), (second, vethSecond, 2) })
        {
            _addresses[ns] = ($"{prefix4}{(host & 0xff) + n}", $"{prefix6}{n}");
            Host("ip", "-n", ns, "addr", "add", $"{_addresses[ns].V4}/30", "dev", veth);
            Host("ip", "-n", ns, "-6", "addr", "add", $"{_addresses[ns].V6}/64", "dev", veth, "nodad");
            Host("ip", "-n", ns, "link", "set", veth, "up");
        }
        WaitForLinkLocal(first, vethFirst);
        WaitForLinkLocal(second, vethSecond);
        return ($"{prefix4}{host & 0xff}/30", $"{prefix6}/64");
    }

    /// <summary>
    /// Waits for the interface's IPv6 link-local address, which the kernel adds a moment after the carrier
    /// comes up: until then the namespace sends no neighbour solicitation and IPv6 it forwards waits.
    /// </summary>
    private static void WaitForLinkLocal(string ns, string veth)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            var shown = NetnsProcess.Run(["ip", "-n", ns, "-6", "addr", "show", "dev", veth, "scope", "link", "-tentative"], s_defaultTimeout);
            if (shown.Stdout.Contains("inet6 fe80:", StringComparison.Ordinal))
                return;
            if (DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"{veth} in {ns} got no IPv6 link-local address within 5 s: {shown.Describe()}");
            Thread.Sleep(20);
        }
    }

    private static void DefaultRoute(string ns, (string V4, string V6) via)
    {
        Host("ip", "-n", ns, "route", "add", "default", "via", via.V4);
        Host("ip", "-n", ns, "-6", "route", "add", "default", "via", via.V6);
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
            throw new ArgumentException($"{ns} is not a namespace of this bed ({string.Join(", ", _created)})", nameof(ns));
    }
}
