// SPDX-License-Identifier: Apache-2.0
using System.Collections.Concurrent;
using Daf.Interop.Bpf;
using static Daf.Interop.Packets.IpProtocolNumbers;

namespace Daf.Actors.Attribution;

/// <summary>
/// Sockets released within the grace delay, by network namespace (cookie) and flow: what sock_diag can no longer find
/// once a process that sent and exited has closed (unhashed) its socket. Filled from SOCKET_RELEASED events (the
/// probe's cgroup/sock_release program sees the socket before it is unhashed) by the holder tracker, its one writer;
/// read lock-free by the socket locators when sock_diag misses (<see cref="SocketLocator"/>).
/// </summary>
/// <remarks>
/// A connected socket is kept under its whole 5-tuple, an unconnected one under its local address and port (any
/// remote); one bound to the wildcard address under address 0 (it sent from whichever address the route chose).
/// A later release of the same flow does not replace an earlier one: up to <see cref="MaxPerFlow"/> releases are kept per
/// flow, newest first (a source port the kernel handed to several short-lived sockets in turn), and
/// <see cref="CollectInto"/> answers with every one (the packet is judged by the holders of all of them: fail-closed). Each
/// expires <see cref="Lifetime"/> after its event was applied; expired ones are dropped as new ones come.
/// </remarks>
public sealed class ReleasedSocketTable
{
    /// <summary>Releases kept per flow; an older one beyond them is dropped before it expires.</summary>
    public const int MaxPerFlow = 4;

    // Per flow an immutable array, newest first: the writer replaces it whole, readers take it lock-free.
    private readonly ConcurrentDictionary<(ulong Netns, FlowKey Flow), ReleasedSocket[]> _entries = new();
    private readonly Queue<((ulong Netns, FlowKey Flow) Key, long ExpiresAt)> _expiries = new();
    private readonly Func<long> _clock;
    private readonly long _lifetimeMs;
    private volatile bool _active = true;
    private long _added, _expired, _appliedThroughNs;

    /// <param name="lifetime">The grace delay <c>-d</c>.</param>
    /// <param name="clock">Milliseconds, Environment.TickCount64 by default (tests pass their own).</param>
    public ReleasedSocketTable(TimeSpan lifetime, Func<long>? clock = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lifetime, TimeSpan.Zero);
        Lifetime = lifetime;
        _lifetimeMs = Math.Max(1, (long)Math.Ceiling(lifetime.TotalMilliseconds));
        _clock = clock ?? (() => Environment.TickCount64);
    }

    public TimeSpan Lifetime { get; }

    /// <summary>
    /// Raised on the writer thread after a release was recorded (namespace cookie, flow key, release): the locators of
    /// that namespace add it to the flow's cached answer, which a new socket on the same port may have filled.
    /// </summary>
    public event Action<ulong, FlowKey, ReleasedSocket>? Released;

    /// <summary>
    /// Release events may come: a socket sock_diag misses may still turn up here a moment later. True until the tracker
    /// learns that the eBPF socket release program is not attached (and again while it restarts): a packet that comes
    /// before the tracker's subscription is answered waits for its release like the others.
    /// </summary>
    public bool Active
    {
        get => _active;
        set => _active = value;
    }

    public int Count => _entries.Count;

    /// <summary>
    /// The newest event timestamp (CLOCK_MONOTONIC ns) the tracker has applied. The probe records a release before the
    /// kernel unhashes the socket, so once this passes the moment a lookup missed, a release that explains the miss
    /// would be here already.
    /// </summary>
    public ulong AppliedThroughNanoseconds
    {
        get => (ulong)Volatile.Read(ref _appliedThroughNs);
        set
        {
            if (value > (ulong)Volatile.Read(ref _appliedThroughNs))
                Volatile.Write(ref _appliedThroughNs, (long)value);
        }
    }

    /// <summary>A lookup that missed at <paramref name="missedAtNanoseconds"/> may still find its socket here later.</summary>
    public bool MayStillArrive(ulong missedAtNanoseconds) => _active && AppliedThroughNanoseconds < missedAtNanoseconds;

    /// <summary>Releases recorded so far (writer thread; read for statistics).</summary>
    public long Added => Volatile.Read(ref _added);

    public long Expired => Volatile.Read(ref _expired);

    public long Now => _clock();

    /// <summary>Writer thread: records a release; false for what cannot key a packet (no inode, no local port, not TCP/UDP).</summary>
    public bool Add(in SocketReleaseEvent released)
    {
        long now = _clock();
        ExpireUpTo(now);
        if (released.Inode == 0 || released.LocalPort == 0 || released.Protocol is not (IPPROTO_TCP or IPPROTO_UDP))
            return false;
        var flow = new FlowKey(released.Protocol, released.LocalAddress, released.LocalPort, released.RemoteAddress,
            released.RemotePort, false);
        if (released.RemotePort == 0 && released.RemoteAddress == 0)
            flow = flow.WithoutRemote();
        long expiresAt = now + _lifetimeMs;
        var key = (released.NetnsCookie, flow);
        var socket = new ReleasedSocket(released.Inode, released.Cookie,
            released.ReleasedByKernelThread ? 0 : (int)released.Pid, released.Protocol, released.State, expiresAt);
        Span<ReleasedSocket> kept = stackalloc ReleasedSocket[MaxPerFlow];
        kept[0] = socket;
        int count = 1;
        if (_entries.TryGetValue(key, out ReleasedSocket[]? earlier))
        {
            foreach (ReleasedSocket old in earlier)
            {
                if (count < MaxPerFlow && old.ExpiresAt > now && old.Inode != socket.Inode)
                    kept[count++] = old;
            }
        }
        _entries[key] = kept[..count].ToArray();
        _expiries.Enqueue((key, expiresAt));
        Volatile.Write(ref _added, _added + 1);
        Released?.Invoke(released.NetnsCookie, flow, socket);
        return true;
    }

    /// <summary>
    /// Any thread, lock-free: the newest socket released in namespace <paramref name="netnsCookie"/> that owned
    /// <paramref name="flow"/>: the first of <see cref="CollectInto"/>'s answer.
    /// </summary>
    public bool TryGet(ulong netnsCookie, in FlowKey flow, out ReleasedSocket socket)
    {
        List<ReleasedSocket> found = GetAll(netnsCookie, flow);
        socket = found.Count > 0 ? found[0] : default;
        return found.Count > 0;
    }

    /// <summary><see cref="CollectInto"/> into a new list.</summary>
    public List<ReleasedSocket> GetAll(ulong netnsCookie, in FlowKey flow)
    {
        var found = new List<ReleasedSocket>(MaxPerFlow);
        CollectInto(netnsCookie, flow, found);
        return found;
    }

    /// <summary>
    /// Any thread, lock-free: adds to <paramref name="found"/> every unexpired socket released in namespace
    /// <paramref name="netnsCookie"/> that may have sent a packet of <paramref name="flow"/> (a key from
    /// <see cref="SocketLocator.TryGetFlowKey"/>; each inode once): the releases of the exact 5-tuple, then (UDP) those
    /// of unconnected sockets of the local address and port and of the wildcard address, newest first within each.
    /// </summary>
    public void CollectInto(ulong netnsCookie, in FlowKey flow, List<ReleasedSocket> found)
    {
        long now = _clock();
        Collect((netnsCookie, flow), now, found);
        if (flow.Protocol != IPPROTO_UDP || flow.LocalOnly)
            return;
        FlowKey local = flow.WithoutRemote();
        Collect((netnsCookie, local), now, found);
        Collect((netnsCookie, local with { LocalAddress = 0 }), now, found);
    }

    private void Collect((ulong, FlowKey) key, long now, List<ReleasedSocket> found)
    {
        if (!_entries.TryGetValue(key, out ReleasedSocket[]? sockets))
            return;
        foreach (ReleasedSocket socket in sockets)
        {
            if (socket.ExpiresAt > now && !Holds(found, socket.Inode))
                found.Add(socket);
        }
    }

    private static bool Holds(List<ReleasedSocket> found, ulong inode)
    {
        foreach (ReleasedSocket socket in found)
        {
            if (socket.Inode == inode)
                return true;
        }
        return false;
    }

    private void ExpireUpTo(long now)
    {
        while (_expiries.TryPeek(out var next) && next.ExpiresAt <= now)
        {
            _expiries.Dequeue();
            // Only the releases whose time passed go; later ones of the same flow stay.
            if (!_entries.TryGetValue(next.Key, out ReleasedSocket[]? current))
                continue;
            ReleasedSocket[] left = Array.FindAll(current, s => s.ExpiresAt > now);
            if (left.Length == current.Length)
                continue;
            if (left.Length == 0)
                _entries.TryRemove(new KeyValuePair<(ulong, FlowKey), ReleasedSocket[]>(next.Key, current));
            else
                _entries[next.Key] = left;
            Volatile.Write(ref _expired, _expired + current.Length - left.Length);
        }
    }
}
