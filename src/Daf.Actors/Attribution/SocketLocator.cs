// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Daf.Actors.Rules;
using Daf.Interop.Packets;
using Daf.Interop.ProcNet;
using Daf.Interop.SockDiag;
using static Daf.Interop.Packets.IpProtocolNumbers;

namespace Daf.Actors.Attribution;

/// <summary>
/// Finds the local socket of a queued packet in one network namespace.
/// <see cref="TryGetCached(Chain, in PacketHeaders, out LocatedSocket)"/> is the hot path: memory only, no
/// syscall, no allocation, any thread. <see cref="Lookup(Chain, in PacketHeaders, uint?)"/> is the slow path
/// (sock_diag for TCP/UDP, /proc/net for ping and raw sockets), for ONE thread at a time, rate-limited per uid
/// so that one user's flood of new flows cannot use up the lookups of others.
/// </summary>
/// <remarks>
/// What cannot be attributed (<see cref="SocketLookupStatus.Unattributable"/> or NotFound):
/// later fragments (no L4 header); ICMP errors and other ICMP types unless a raw socket takes them; protocols
/// other than TCP/UDP/ICMP echo with no raw socket; forwarded traffic whose socket lives in a namespace no
/// locator was made for; TCP TIME_WAIT sockets (no owner). Raw sockets are ambiguous: every raw socket of a
/// protocol is a candidate (<see cref="SocketLookupResult.Candidates"/>). Sockets used through io_uring are
/// ordinary sockets here: the lookup does not depend on which syscall sent the packet.
/// A TCP request socket (SYN_RECV, no inode) is resolved to its listener; a listener's answer is not cached
/// under the flow, since the accepted socket takes the flow over.
/// </remarks>
public sealed class SocketLocator : ISocketLookup, IDisposable
{
    private const byte TcpSyn = 0x02, TcpAck = 0x10;
    private const byte TCP_SYN_RECV = 3, TCP_CLOSE = 7, TCP_LISTEN = 10;
    private const int MaxRawCandidates = 16;

    private readonly SockDiagSocket _diag;
    private readonly ProcNetSocketReader _procNet;
    private readonly SocketLocatorOptions _options;
    private readonly FlowCache _cache;
    private readonly Dictionary<uint, TokenBucket> _buckets = [];
    private readonly TokenBucket _sharedBucket;
    private readonly long _lifetimeMs;
    private readonly ReleasedSocketTable? _released;
    private readonly List<ReleasedSocket> _releases = new(ReleasedSocketTable.MaxPerFlow);
    private readonly ulong _netnsCookie;
    private long _found, _notFound, _rateLimited, _unattributable, _foundReleased;

    public SocketLocator(SockDiagSocket diag, ProcNetSocketReader procNet, SocketLocatorOptions options)
        : this(diag, procNet, options, null)
    {
    }

    /// <param name="sharedCache">A flow cache other locators of the same namespace fill too (each locator still has
    /// one thread for its slow path); null for a cache of its own.</param>
    /// <param name="released">Sockets released a moment ago, consulted when sock_diag misses (a process that sent and
    /// exited); entries of this locator's namespace only (its SO_NETNS_COOKIE). Null: a miss is a miss.</param>
    public SocketLocator(SockDiagSocket diag, ProcNetSocketReader procNet, SocketLocatorOptions options, FlowCache? sharedCache,
        ReleasedSocketTable? released = null)
    {
        ArgumentNullException.ThrowIfNull(diag);
        ArgumentNullException.ThrowIfNull(procNet);
        ArgumentNullException.ThrowIfNull(options);
        _diag = diag;
        _procNet = procNet;
        _options = options;
        _cache = sharedCache ?? new FlowCache(options.CacheCapacity);
        _sharedBucket = NewBucket(Stopwatch.GetTimestamp());
        _lifetimeMs = (long)options.CacheLifetime.TotalMilliseconds;
        if (released is not null)
        {
            try
            {
                _netnsCookie = diag.NetworkNamespaceCookie();
                _released = released;
                released.Released += OnReleased;
            }
            catch (Daf.Interop.Netlink.NetlinkException)
            {
                // Before Linux 5.14 the namespace cannot be told: released sockets are not consulted.
            }
        }
    }

    /// <summary>A locator for the namespace at <paramref name="nsPath"/>: its sockets are made there once.</summary>
    public static SocketLocator OpenIn(string nsPath, SocketLocatorOptions options, FlowCache? sharedCache = null,
        ReleasedSocketTable? released = null)
    {
        SockDiagSocket diag = SockDiagSocket.OpenIn(nsPath);
        try
        {
            return new SocketLocator(diag, ProcNetSocketReader.OpenIn(nsPath), options, sharedCache, released);
        }
        catch
        {
            diag.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A locator for the namespace <paramref name="ns"/> holds open, whatever its path names now: both of its sockets are
    /// made there at once, by one short-lived thread that enters it (setns) and ends; they stay in that namespace.
    /// </summary>
    public static SocketLocator OpenIn(Daf.Interop.Namespaces.NamespaceFile ns, SocketLocatorOptions options,
        ReleasedSocketTable? released = null) =>
        Daf.Interop.Namespaces.NetworkNamespace.RunIn(ns, () =>
        {
            SockDiagSocket diag = SockDiagSocket.Open();
            try
            {
                return new SocketLocator(diag, ProcNetSocketReader.Open(), options, null, released);
            }
            catch
            {
                diag.Dispose();
                throw;
            }
        });

    public FlowCache Cache => _cache;

    /// <summary>Slow-path outcomes so far (written by the lookup thread; read them for statistics).</summary>
    public long Found => Volatile.Read(ref _found);
    public long NotFound => Volatile.Read(ref _notFound);
    public long RateLimited => Volatile.Read(ref _rateLimited);
    public long Unattributable => Volatile.Read(ref _unattributable);

    /// <summary>Lookups answered from the released sockets after sock_diag missed (or, in <see cref="LookupReleased"/>, without it).</summary>
    public long FoundReleased => Volatile.Read(ref _foundReleased);

    /// <summary>The namespace's SO_NETNS_COOKIE, 0 when released sockets are not consulted.</summary>
    public ulong NetworkNamespaceCookie => _netnsCookie;

    public bool MayStillFindReleased(ulong missedAtNanoseconds) => _released is { } released && released.MayStillArrive(missedAtNanoseconds);

    /// <summary>OUTPUT: the source; INPUT: the destination. FORWARD has no local side of its own.</summary>
    public static LocalSide LocalSideOf(Chain chain) => chain switch
    {
        Chain.Output => LocalSide.Source,
        Chain.Input => LocalSide.Destination,
        _ => throw new ArgumentException("FORWARD packets have no local side: pass LocalSide explicitly", nameof(chain)),
    };

    /// <summary>
    /// Where the socket of a packet that did not start or end in the daemon's namespace (NF_INET_FORWARD) is looked for in
    /// another namespace, by the chain of the queue it arrived on: the OUTPUT queue takes traffic leaving that namespace
    /// (its source is local there), the INPUT queue traffic to it (its destination); the FORWARD queue tries both.
    /// </summary>
    public static ReadOnlySpan<LocalSide> ForeignSidesOf(Chain chain) => chain switch
    {
        Chain.Output => s_source,
        Chain.Input => s_destination,
        _ => s_both,
    };

    private static readonly LocalSide[] s_source = [LocalSide.Source], s_destination = [LocalSide.Destination],
        s_both = [LocalSide.Source, LocalSide.Destination];

    /// <summary>The flow key of the packet seen from <paramref name="side"/>; false when the packet carries nothing to key on.</summary>
    public static bool TryGetFlowKey(in PacketHeaders headers, LocalSide side, out FlowKey key)
    {
        key = default;
        if (headers.IsLaterFragment || headers.L4Offset < 0)
            return false;
        bool source = side == LocalSide.Source;
        UInt128 local = source ? headers.Source : headers.Destination;
        UInt128 remote = source ? headers.Destination : headers.Source;
        if (headers.Protocol is IPPROTO_TCP or IPPROTO_UDP)
        {
            if (!headers.HasPorts)
                return false;
            key = new FlowKey(headers.Protocol, local, source ? headers.SourcePort : headers.DestinationPort,
                remote, source ? headers.DestinationPort : headers.SourcePort, false);
            return true;
        }
        if (headers.HasIcmpEchoId && IsEchoOfLocalPingSocket(headers, side))
        {
            key = new FlowKey(headers.Protocol, local, headers.IcmpEchoId, remote, 0, false);
            return true;
        }
        key = new FlowKey(headers.Protocol, local, headers.Protocol, 0, 0, true);
        return true;
    }

    /// <summary>
    /// A ping socket sends echo requests and receives echo replies; the kernel itself answers echo requests, so an
    /// incoming request or an outgoing reply is not a ping socket's (raw ICMP sockets may still see it).
    /// </summary>
    private static bool IsEchoOfLocalPingSocket(in PacketHeaders headers, LocalSide side)
    {
        bool request = headers.IcmpType is PacketHeaderParser.ICMP_ECHO or PacketHeaderParser.ICMPV6_ECHO_REQUEST;
        return request == (side == LocalSide.Source);
    }

    public bool TryGetCached(Chain chain, in PacketHeaders headers, out LocatedSocket socket) =>
        TryGetCached(headers, LocalSideOf(chain), out socket);

    /// <summary>Memory only: the cached socket of the flow, or of the local address/port for unconnected UDP
    /// sockets and for a TCP SYN (which only a listener takes).</summary>
    public bool TryGetCached(in PacketHeaders headers, LocalSide side, out LocatedSocket socket)
    {
        bool hit = TryGetCached(headers, side, out FlowCacheEntry entry);
        socket = entry.Socket;
        return hit;
    }

    /// <summary>Cached entry with every candidate (raw sockets); memory only.</summary>
    public bool TryGetCached(in PacketHeaders headers, LocalSide side, out FlowCacheEntry entry)
    {
        entry = default;
        return TryGetFlowKey(headers, side, out FlowKey key) && TryGetCached(key, headers, Environment.TickCount64, out entry);
    }

    /// <summary>Like <see cref="TryGetCached(in PacketHeaders, LocalSide, out FlowCacheEntry)"/> with the packet's flow key and the time (<see cref="Environment.TickCount64"/>) given.</summary>
    internal bool TryGetCached(in FlowKey key, in PacketHeaders headers, long now, out FlowCacheEntry entry) =>
        _cache.TryGet(key, now, out entry)
        || ((key.Protocol == IPPROTO_UDP || IsSyn(headers)) && _cache.TryGet(key.WithoutRemote(), now, out entry));

    private static bool IsSyn(in PacketHeaders headers) =>
        headers.Protocol == IPPROTO_TCP && (headers.TcpFlags & (TcpSyn | TcpAck)) == TcpSyn;

    public SocketLookupResult Lookup(Chain chain, in PacketHeaders headers, uint? uid) =>
        Lookup(headers, LocalSideOf(chain), uid);

    /// <summary>
    /// The slow path: the cache first, then (if the uid's bucket has a token) the kernel. One thread at a time.
    /// </summary>
    /// <param name="uid">NFQA_UID of the packet when the queue delivered it; null shares one bucket.</param>
    /// <exception cref="Daf.Interop.Netlink.NetlinkException">sock_diag failed with something other than ENOENT.</exception>
    public SocketLookupResult Lookup(in PacketHeaders headers, LocalSide side, uint? uid)
    {
        if (!TryGetFlowKey(headers, side, out FlowKey key))
        {
            _unattributable++;
            return SocketLookupResult.Unattributable;
        }
        long now = Stopwatch.GetTimestamp();
        // An entry of released sockets only is not the answer yet: a new socket may have taken the port since (sock_diag
        // tells; it then joins them as a candidate, LookupInet).
        if (TryGetCached(key, headers, Environment.TickCount64, out FlowCacheEntry cached) && !cached.ReleasedOnly)
            return new SocketLookupResult(SocketLookupStatus.Found, cached.Socket, cached.Candidates);
        if (!BucketOf(uid, now).TryTake(now))
        {
            _rateLimited++;
            return SocketLookupResult.RateLimited;
        }

        SocketLookupResult result = key.Protocol switch
        {
            IPPROTO_TCP or IPPROTO_UDP => LookupInet(key, headers.IpVersion == 6),
            _ when !key.LocalOnly => LookupPing(key, headers.IpVersion == 6),
            _ => LookupRaw(key, key.Protocol, headers.IpVersion == 6),
        };
        if (result.Status == SocketLookupStatus.NotFound && TryGetReleased(key, out SocketLookupResult released))
            result = released;
        switch (result.Status)
        {
            case SocketLookupStatus.Found: _found++; break;
            case SocketLookupStatus.NotFound: _notFound++; break;
            default: _unattributable++; break;
        }
        return result;
    }

    /// <summary>
    /// Memory only, no token: the flow cache, then the sockets released a moment ago. For a packet whose socket sock_diag
    /// already missed, while the release event may still be on its way. Any one thread (the one of the slow path).
    /// </summary>
    public SocketLookupResult LookupReleased(in PacketHeaders headers, LocalSide side)
    {
        if (!TryGetFlowKey(headers, side, out FlowKey key))
            return SocketLookupResult.Unattributable;
        if (TryGetCached(key, headers, Environment.TickCount64, out FlowCacheEntry cached))
            return new SocketLookupResult(SocketLookupStatus.Found, cached.Socket, cached.Candidates);
        return TryGetReleased(key, out SocketLookupResult released) ? released : SocketLookupResult.NotFound;
    }

    /// <summary>
    /// Released sockets of this namespace owned the flow (no live one does): every one is a candidate (the packet is
    /// judged by the holders of all: fail-closed), cached under the flow as <see cref="FlowCacheEntry.ReleasedOnly"/>
    /// until the last release expires.
    /// </summary>
    private bool TryGetReleased(in FlowKey key, out SocketLookupResult result)
    {
        result = SocketLookupResult.NotFound;
        if (_released is null || key.Protocol is not (IPPROTO_TCP or IPPROTO_UDP))
            return false;
        List<ReleasedSocket> released = ReleasesOf(key);
        if (released.Count == 0)
            return false;
        var sockets = new LocatedSocket[released.Count];
        long expires = 0;
        for (int i = 0; i < sockets.Length; i++)
        {
            sockets[i] = ToLocated(released[i]);
            expires = Math.Max(expires, released[i].ExpiresAt);
        }
        LocatedSocket[]? candidates = sockets.Length > 1 ? sockets : null;
        _cache.Add(key, new FlowCacheEntry(sockets[0], candidates, expires, ReleasedOnly: true), Environment.TickCount64);
        _foundReleased++;
        result = new SocketLookupResult(SocketLookupStatus.Found, sockets[0], candidates);
        return true;
    }

    /// <summary>The releases of the flow, in a list the slow path reuses (one thread at a time): a new flow allocates none.</summary>
    private List<ReleasedSocket> ReleasesOf(in FlowKey key)
    {
        _releases.Clear();
        _released!.CollectInto(_netnsCookie, key, _releases);
        return _releases;
    }

    private static LocatedSocket ToLocated(ReleasedSocket released) =>
        new(released.Inode, released.Cookie, 0, released.State, released.Protocol == IPPROTO_TCP ? SocketKind.Tcp : SocketKind.Udp);

    /// <summary>
    /// The tracker's thread: a socket of this namespace was released. A packet of its flow may still wait while a new
    /// socket that got its port has its answer cached already: the released socket joins that answer (fail-closed) until
    /// the release expires. Only the entries under the release's own key (and, for UDP, under its local address and
    /// port) are reached; a live connected socket's entry for an unconnected release is not.
    /// </summary>
    private void OnReleased(ulong netnsCookie, FlowKey flow, ReleasedSocket released)
    {
        if (netnsCookie != _netnsCookie)
            return;
        FlowKey from = flow.Protocol == IPPROTO_UDP ? flow.WithoutRemote() : flow;
        _cache.Join(flow, from, ToLocated(released), released.ExpiresAt, Environment.TickCount64);
    }

    /// <summary>The socket with <paramref name="inode"/> was closed: forget its flows.</summary>
    public int Invalidate(ulong inode) => _cache.Invalidate(inode);

    private SocketLookupResult LookupInet(in FlowKey key, bool ipv6)
    {
        if (_diag.Lookup(key.Protocol, key.LocalAddress, key.LocalPort, key.RemoteAddress, key.RemotePort,
                out InetDiagMsg msg) != InetDiagLookupStatus.Found)
            return SocketLookupResult.NotFound;
        if (msg.Inode == 0 && msg.State == TCP_SYN_RECV)
        {
            // A request socket: the listener owns it. With no remote side only the listener can match.
            UInt128 unknownPeer = ipv6 ? 0 : PacketHeaderParser.MapIpv4(0);
            if (_diag.Lookup(key.Protocol, key.LocalAddress, key.LocalPort, unknownPeer, 0, out msg) != InetDiagLookupStatus.Found
                || msg.Inode == 0)
                return SocketLookupResult.NotFound;
        }
        if (msg.Inode == 0)
            return SocketLookupResult.NotFound; // TIME_WAIT: nobody holds it any more
        var socket = new LocatedSocket(msg.Inode, msg.Cookie, msg.Uid, msg.State,
            key.Protocol == IPPROTO_TCP ? SocketKind.Tcp : SocketKind.Udp);
        long expires = Environment.TickCount64 + _lifetimeMs;
        // Unconnected UDP sockets take any peer; a listener takes only SYNs (the accepted socket takes the flow over).
        bool anyRemote = (key.Protocol == IPPROTO_UDP && msg.State == TCP_CLOSE) || msg.State == TCP_LISTEN;
        FlowKey cacheKey = anyRemote ? key.WithoutRemote() : key;
        LocatedSocket[]? candidates = null;
        if (_released is not null)
        {
            // A socket released a moment ago had the flow too (the kernel handed its port to this one): the packet may be
            // the released one's, so both are candidates, until the release expires; then this socket alone again.
            List<ReleasedSocket> released = ReleasesOf(key);
            for (int i = released.Count - 1; i >= 0; i--)
            {
                if (released[i].Inode == socket.Inode)
                    released.RemoveAt(i);
            }
            if (released.Count != 0)
            {
                candidates = new LocatedSocket[released.Count + 1];
                candidates[0] = socket;
                for (int i = 0; i < released.Count; i++)
                {
                    candidates[i + 1] = ToLocated(released[i]);
                    expires = Math.Min(expires, released[i].ExpiresAt);
                }
                if (key.Protocol == IPPROTO_UDP)
                    cacheKey = key; // the releases found are this peer's: other peers keep the live socket's own entry
            }
        }
        _cache.Add(cacheKey, new FlowCacheEntry(socket, candidates, expires), Environment.TickCount64);
        return new SocketLookupResult(SocketLookupStatus.Found, socket, candidates);
    }

    private SocketLookupResult LookupPing(in FlowKey key, bool ipv6)
    {
        if (_procNet.TryFindPing(ipv6, key.LocalAddress, key.LocalPort, out ProcNetSocketEntry entry))
        {
            var socket = new LocatedSocket(entry.Inode, 0, entry.Uid, entry.State, SocketKind.Ping);
            _cache.Add(key, new FlowCacheEntry(socket, null, Environment.TickCount64 + _lifetimeMs), Environment.TickCount64);
            return new SocketLookupResult(SocketLookupStatus.Found, socket, null);
        }
        // ping(8) run by root uses a raw ICMP socket, not a ping socket.
        return LookupRaw(key, key.Protocol, ipv6);
    }

    /// <summary>Raw sockets of <paramref name="protocol"/> at the key's local address, cached under <paramref name="key"/>.</summary>
    private SocketLookupResult LookupRaw(in FlowKey key, byte protocol, bool ipv6)
    {
        Span<ProcNetSocketEntry> matches = stackalloc ProcNetSocketEntry[MaxRawCandidates];
        int total = _procNet.FindRaw(ipv6, protocol, key.LocalAddress, matches);
        if (total == 0)
            return SocketLookupResult.Unattributable;
        int kept = Math.Min(total, matches.Length);
        LocatedSocket first = ToRaw(matches[0]);
        LocatedSocket[]? candidates = null;
        if (kept > 1)
        {
            candidates = new LocatedSocket[kept];
            for (int i = 0; i < kept; i++)
                candidates[i] = ToRaw(matches[i]);
        }
        // Raw answers change whenever any raw socket opens; cache them only briefly.
        long expires = Environment.TickCount64 + Math.Min(_lifetimeMs, 1000);
        _cache.Add(key, new FlowCacheEntry(first, candidates, expires), Environment.TickCount64);
        return new SocketLookupResult(SocketLookupStatus.Found, first, candidates);
    }

    private static LocatedSocket ToRaw(in ProcNetSocketEntry entry) =>
        new(entry.Inode, 0, entry.Uid, entry.State, SocketKind.Raw);

    private TokenBucket BucketOf(uint? uid, long now)
    {
        if (uid is not uint id)
            return _sharedBucket;
        if (_buckets.TryGetValue(id, out TokenBucket? bucket))
            return bucket;
        if (_buckets.Count >= _options.MaxTrackedUids)
            return _sharedBucket;
        return _buckets[id] = NewBucket(now);
    }

    private TokenBucket NewBucket(long now) => new(_options.LookupsPerSecondPerUid, _options.LookupBurstPerUid, now);

    public void Dispose()
    {
        if (_released is not null)
            _released.Released -= OnReleased;
        _diag.Dispose();
        _procNet.Dispose();
    }
}
