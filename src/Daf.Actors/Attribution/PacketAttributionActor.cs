// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.Event;
using Daf.Actors.Identity;
using Daf.Actors.Supervision;
using Daf.Actors.Rules;
using Daf.Actors.Tracking;
using Daf.Actors.Verdicts;
using Daf.Interop.Netlink;

namespace Daf.Actors.Attribution;

/// <summary>
/// Judges the packets queue readers deferred because their holders were not all in memory, off the hot path. For
/// each: the socket lookup (the only user of the locator's slow path, so the locator has one owner), a fallback scan
/// request to the holder tracker when the socket has no known holder, then a wait, bounded by
/// <see cref="AttributionOptions.Wait"/>, for the holders' images; re-checked every
/// <see cref="AttributionOptions.RetryInterval"/>. The packet is judged afresh with the rule snapshot current when it is
/// decided (one version judges it wholly), and the verdict goes to the packet's batcher. What is still missing at the
/// bound is judged with the holders known by then and counted as unattributed: identity criteria never match holders
/// that are not known (DROP matches a known holder only; ACCEPT needs them all).
/// One per network namespace; its matches are counted in its own counter slot. The actor of another namespace than
/// the daemon's (<see cref="PropsForNamespace"/>) judges with that namespace's snapshot
/// (<see cref="RuleSnapshot.ForNamespace"/>) and looks sockets up with a locator made inside it; a forwarded packet it
/// was asked to search for (<see cref="AttributePacket.Search"/>) and cannot find there goes on to the next namespace,
/// and finally to the daemon namespace's actor, which judges it by the daemon's rules.
/// </summary>
public sealed partial class PacketAttributionActor : ReceiveActor, IWithTimers
{
    private const string RetryTimer = "retry";

    private readonly ISocketLookup _lookup;
    private readonly IActorRef _tracker;
    private readonly RuleSnapshotHolder _rules;
    private readonly int _counterSlot;
    private readonly AttributionOptions _options;
    private readonly PacketIdentity _trying;
    private readonly PacketIdentity _final;
    /// <summary>The namespace this actor serves when it is not the daemon's (0: the daemon's).</summary>
    private readonly ulong _namespace;
    private readonly ForeignHolderImages? _foreign;
    private readonly IActorRef? _fallback;
    private readonly List<Waiting> _waiting = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _decided, _timedOut, _lastUnattributedLog = long.MinValue / 2;
    private IdentityChangeSignal.Listener? _changes;

    public PacketAttributionActor(ISocketLookup lookup, IHolderImageSource images, IActorRef tracker, RuleSnapshotHolder rules,
        int counterSlot, AttributionOptions options)
    {
        _lookup = lookup;
        _tracker = tracker;
        _rules = rules;
        _counterSlot = counterSlot;
        _options = options;
        _trying = new PacketIdentity(images, final: false);
        _final = new PacketIdentity(images, final: true);
        _trying.Images.TrustsReleased = _final.Images.TrustsReleased = true; // its packets went through the slow path
        Receive<AttributePacket>(OnAttribute);
        Receive<RetryWaiting>(_ => Retry());
        Receive<IdentityPublished>(_ => Retry());
        Receive<GetAttributionStats>(_ => Sender.Tell(new AttributionStats(_waiting.Count, _decided, _timedOut)));
    }

    /// <summary>The attributor of the namespace <paramref name="inode"/> (not the daemon's), whose locator was made inside it.</summary>
    /// <param name="fallback">The daemon namespace's attributor: takes the packets this one cannot judge in its namespace.</param>
    /// <param name="lookup">The slow path of the locator made inside that namespace.</param>
    /// <param name="holders">The holders of a packet from that locator's flow cache.</param>
    public PacketAttributionActor(ulong inode, ISocketLookup lookup, ISidedHolderImageSource holders, IActorRef tracker, RuleSnapshotHolder rules,
        int counterSlot, AttributionOptions options, IActorRef fallback)
        : this(lookup, new ForeignHolderImages { Target = holders }, tracker, rules, counterSlot, options)
    {
        _namespace = inode;
        _foreign = new ForeignHolderImages { Target = holders };
        _trying = new PacketIdentity(_foreign, final: false);
        _final = new PacketIdentity(_foreign, final: true);
        _trying.Images.TrustsReleased = _final.Images.TrustsReleased = true; // its packets went through the slow path
        _fallback = fallback;
    }

    public static Props PropsForNamespace(ulong inode, ISocketLookup lookup, ISidedHolderImageSource holders, IActorRef tracker,
        RuleSnapshotHolder rules, int counterSlot, AttributionOptions options, IActorRef fallback) =>
        Akka.Actor.Props.Create(() => new PacketAttributionActor(inode, lookup, holders, tracker, rules, counterSlot, options, fallback));

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ISocketLookup lookup, IHolderImageSource images, IActorRef tracker, RuleSnapshotHolder rules,
        int counterSlot, AttributionOptions options) =>
        Akka.Actor.Props.Create(() => new PacketAttributionActor(lookup, images, tracker, rules, counterSlot, options));

    private void OnAttribute(AttributePacket packet)
    {
        var waiting = new Waiting(packet, Environment.TickCount64 + (long)_options.Wait.TotalMilliseconds) { Side = packet.Side };
        if (TryDecide(waiting, final: _waiting.Count >= _options.MaxWaiting))
            return;
        _waiting.Add(waiting);
        _changes?.Arm();
        if (!Timers.IsTimerActive(RetryTimer))
            Timers.StartPeriodicTimer(RetryTimer, RetryWaiting.Instance, _options.RetryInterval);
    }

    private void Retry()
    {
        long now = Environment.TickCount64;
        // Armed before looking: a publication made while the packets are tried again sends one more message.
        if (_waiting.Count != 0)
            _changes?.Arm();
        _waiting.RemoveAll(w => TryDecide(w, final: now >= w.Deadline));
        if (_waiting.Count == 0)
            Timers.Cancel(RetryTimer);
    }

    protected override void PreStart() => _changes = _options.Changes?.Listen(Self, IdentityPublished.Instance);

    /// <returns>True when the packet was decided.</returns>
    private bool TryDecide(Waiting waiting, bool final)
    {
        AttributePacket packet = waiting.Packet;
        if (_namespace != 0 && waiting.Side is null)
        {
            // A forwarded packet: is its socket in this namespace?
            if (!final && Claim(waiting) == SocketLookupStatus.RateLimited)
                return false;
            if (waiting.Side is null)
                return PassOn(packet);
        }
        RuleSnapshot? snapshot = _namespace == 0 ? _rules.Current : _rules.Current.ForNamespace(_namespace);
        if (snapshot is null)
            return PassOn(packet); // no rule names this namespace any more
        if (!final && !waiting.SocketFound && SideOf(waiting) is { } side)
        {
            // Once sock_diag missed, only the memory of released sockets can still answer: no more sock_diag.
            SocketLookupStatus status = waiting.GoneSince is null
                ? LookUp(packet, side)
                : _lookup.LookupReleased(packet.Headers, side).Status;
            waiting.LastLookup = status;
            if (status == SocketLookupStatus.RateLimited)
                return false;
            if (status == SocketLookupStatus.NotFound)
            {
                // The socket may have been released (its process exited) just before the lookup: the release event
                // was in the eBPF ring before the socket left the kernel's tables. Wait (within the bound) until the
                // tracker has applied the events of that moment.
                waiting.GoneSince ??= SocketHolderTrackerActor.MonotonicNanoseconds();
                if (_lookup.MayStillFindReleased(waiting.GoneSince.Value))
                    return false;
            }
            // NotFound or Unattributable: nothing will turn up by waiting.
            final = status != SocketLookupStatus.Found;
            waiting.SocketFound = status == SocketLookupStatus.Found;
        }
        else if (final && !waiting.SocketFound && waiting.GoneSince is not null && SideOf(waiting) is { } lastSide)
        {
            // At the bound: the release may have been applied since the last look (memory only, no sock_diag).
            waiting.LastLookup = _lookup.LookupReleased(packet.Headers, lastSide).Status;
            waiting.SocketFound = waiting.LastLookup == SocketLookupStatus.Found;
        }

        PacketIdentity identity = final ? _final : _trying;
        identity.Images.AsOfNanoseconds = waiting.ArrivedAt;
        if (_foreign is not null)
            _foreign.Side = waiting.Side!.Value;
        Verdict verdict = snapshot.Judge(packet.Chain, packet.Headers, packet.App, _counterSlot, identity, out bool deferred, out int matched);
        if (deferred)
        {
            HolderImages images = identity.Images;
            if (images.MissingHoldersOf != 0 && waiting.AskedTrackerFor != images.MissingHoldersOf)
            {
                waiting.AskedTrackerFor = images.MissingHoldersOf;
                // The event announcing the holder (socket(), accept(), a received descriptor) is most likely in the
                // ring already, waiting for the reader's coalescing pause to end.
                _options.HurryEvents?.Invoke();
                _tracker.Tell(new FindSocketHolders(images.MissingHoldersOf));
            }
            if (images.StaleImage is { } stale && !ReferenceEquals(waiting.RefreshAskedFor, stale))
            {
                // Its events may still be on their way, or lost: make sure the scanner reads it again, urgently.
                waiting.RefreshAskedFor = stale;
                Refresh(stale.Pid);
            }
            if (images.UnappliedForkOf != 0 && waiting.HurriedForForkOf != images.UnappliedForkOf)
            {
                // The FORK event is in the ring (emitted before the fork returned), most likely waiting for the
                // reader's coalescing pause to end.
                waiting.HurriedForForkOf = images.UnappliedForkOf;
                _options.HurryEvents?.Invoke();
            }
            if (images.MissingImageOf != 0 && waiting.ReadAskedFor != images.MissingImageOf)
            {
                // Its scanner's first read may be queued behind those of every process that just started.
                waiting.ReadAskedFor = images.MissingImageOf;
                Refresh(images.MissingImageOf);
            }
            if (images.MissingFlow)
                waiting.SocketFound = false; // the socket closed meanwhile and its flow was forgotten: look again
            return false;
        }

        var counters = packet.Counters;
        byte[]? signed = null;
        if (verdict == Verdict.Accept && packet.Signing is { } signing)
        {
            // Signed with the holders the judge found; what cannot be signed is dropped (every verifier would drop it).
            var location = matched >= 0 ? snapshot.Rules[packet.Chain][matched].SignatureLocation : null;
            signed = signing.Signatures.SignDeferred(signing.Packet, identity.Images, identity.AllHoldersKnown, location, counters);
            if (signed is null) verdict = Verdict.Drop;
        }
        packet.Batcher.Tell(new DeferredPacketJudged(packet.PacketId, verdict) { Signed = signed });
        if (_namespace == 0) packet.Decisions?.Record(verdict, packet.Headers, matched, packet.PacketId, packet.Uid, snapshot.Version);
        counters.DeferredHold.Record((long)System.Diagnostics.Stopwatch.GetElapsedTime(packet.DeferredAt).TotalMicroseconds);
        if (verdict == Verdict.Drop) Interlocked.Increment(ref counters.DeferredDropped);
        else Interlocked.Increment(ref counters.DeferredAccepted);
        if (identity.Unattributed)
        {
            Interlocked.Increment(ref counters.Unattributed);
            if (final) _timedOut++;
            long now = Environment.TickCount64;
            if (now - _lastUnattributedLog >= 1000)
            {
                // At most one line a second: enough to tell why, never a flood.
                _lastUnattributedLog = now;
                HolderImages missing = identity.Images;
                long waited = now - (waiting.Deadline - (long)_options.Wait.TotalMilliseconds);
                _log.Warning($"{packet.Chain.ToString().ToUpperInvariant()} packet {packet.PacketId} judged without all its holders after {waited} ms: " +
                    $"flow {(missing.MissingFlow ? "not found" : "found")} (lookup: {waiting.LastLookup?.ToString() ?? "none"}), no holders known for socket {missing.MissingHoldersOf}, " +
                    $"no image of process {missing.MissingImageOf}{WhyNoImage(missing.MissingImageOf)}, stale image of process {missing.StaleImage?.Pid ?? 0}, unapplied fork of process {missing.UnappliedForkOf} ({_timedOut} at the bound so far); packet: IPv{packet.Headers.IpVersion} proto {packet.Headers.Protocol} " +
                    $"{new System.Net.IPAddress(Bytes(packet.Headers.Source))}.{packet.Headers.SourcePort} > {new System.Net.IPAddress(Bytes(packet.Headers.Destination))}.{packet.Headers.DestinationPort}");
            }
        }
        _decided++;
        return true;
    }

    /// <summary>What the scanner of a holder without an image noted about it (diagnostics of an unattributed packet).</summary>
    private string WhyNoImage(int tgid) =>
        tgid != 0 && _options.Images?.WhyNoImage(tgid) is { } reason ? $" ({reason})" : "";

    /// <summary>Straight to the process's scanner when it runs, else through the tracker (which may start one).</summary>
    private void Refresh(int tgid)
    {
        if (_options.Images?.TryRefresh(tgid) != true)
            _tracker.Tell(new RefreshProcessImage(tgid));
    }

    private static byte[] Bytes(UInt128 address)
    {
        var bytes = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return bytes;
    }

    /// <summary>The side of the packet whose socket is looked up: in another namespace the one it was found on.</summary>
    private LocalSide? SideOf(Waiting waiting) =>
        waiting.Side ?? (waiting.Packet.Chain == Chain.Forward ? null : SocketLocator.LocalSideOf(waiting.Packet.Chain));

    /// <summary>Looks for a searched packet's socket on each side it may be local on here; sets the side found.</summary>
    private SocketLookupStatus Claim(Waiting waiting)
    {
        SocketLookupStatus last = SocketLookupStatus.NotFound;
        foreach (LocalSide side in SocketLocator.ForeignSidesOf(waiting.Packet.Chain))
        {
            last = LookUp(waiting.Packet, side);
            if (last == SocketLookupStatus.Found)
            {
                waiting.Side = side;
                waiting.SocketFound = true;
                waiting.LastLookup = last;
                return last;
            }
            if (last == SocketLookupStatus.RateLimited)
                return last;
        }
        return last;
    }

    /// <summary>
    /// Hands a packet this namespace does not judge to the next namespace searched, else to the daemon namespace's
    /// attributor (as a packet of the daemon's namespace). True: it left this actor.
    /// </summary>
    private bool PassOn(AttributePacket packet)
    {
        if (packet.Search?.Next() is { } next)
            next.Current.Attributor.Tell(packet with { Search = next });
        else
            _fallback!.Tell(packet with { Search = null, Side = null });
        return true;
    }

    private SocketLookupStatus LookUp(AttributePacket packet, LocalSide side)
    {
        try
        {
            return _lookup.Lookup(packet.Headers, side, packet.Uid).Status;
        }
        catch (NetlinkException e)
        {
            _log.Warning("socket lookup failed: {0}", e.Message);
            return SocketLookupStatus.Unattributable;
        }
    }

    /// <summary>
    /// A restart keeps the waiting packets (and the one whose handling failed): the new instance waits for them again,
    /// at most once more per restart, so a holder image being rebuilt meanwhile is not bypassed.
    /// </summary>
    protected override void PreRestart(Exception reason, object message)
    {
        _log.Error(reason, "attribution failed with {0} packets waiting; restarting", _waiting.Count);
        _changes?.Dispose();
        foreach (Waiting waiting in _waiting)
            Self.Tell(waiting.Packet);
        _waiting.Clear();
        if (message is AttributePacket failed)
            Self.Tell(failed);
    }

    protected override void PostStop()
    {
        _changes?.Dispose();
        // Decide what still waits so that no packet stays queued in the kernel without a verdict.
        foreach (Waiting waiting in _waiting)
            TryDecide(waiting, final: true);
        _waiting.Clear();
    }

    private sealed class Waiting(AttributePacket packet, long deadline)
    {
        public AttributePacket Packet { get; } = packet;
        public long Deadline { get; } = deadline;
        public bool SocketFound { get; set; }
        public ulong AskedTrackerFor { get; set; }
        public ProcessImage? RefreshAskedFor { get; set; }
        public int ReadAskedFor { get; set; }
        public int HurriedForForkOf { get; set; }
        public SocketLookupStatus? LastLookup { get; set; }
        /// <summary>In another namespace: the side of the packet local there, once known.</summary>
        public LocalSide? Side { get; set; }
        /// <summary>When sock_diag first missed the socket, CLOCK_MONOTONIC ns (null: it has not).</summary>
        public ulong? GoneSince { get; set; }
        /// <summary>When it came to this actor (CLOCK_MONOTONIC ns): the time its holders are judged at.</summary>
        public ulong ArrivedAt { get; } = SocketHolderTrackerActor.MonotonicNanoseconds();
    }

    private sealed record RetryWaiting
    {
        public static readonly RetryWaiting Instance = new();
    }

    /// <summary>Holders or images were published (<see cref="AttributionOptions.Changes"/>): try the waiting packets now.</summary>
    private sealed record IdentityPublished
    {
        public static readonly IdentityPublished Instance = new();
    }
}

/// <summary>Asks the <see cref="PacketAttributionActor"/> for <see cref="AttributionStats"/>.</summary>
public sealed record GetAttributionStats
{
    public static readonly GetAttributionStats Instance = new();
}

/// <param name="Waiting">Deferred packets still waiting for their holders.</param>
/// <param name="Decided">Deferred packets decided so far.</param>
/// <param name="TimedOut">Those decided at the bound with holders still missing.</param>
public sealed record AttributionStats(int Waiting, long Decided, long TimedOut);
