// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.Event;
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
/// One per network namespace; its matches are counted in its own counter slot.
/// </summary>
public sealed class PacketAttributionActor : ReceiveActor, IWithTimers
{
    private const string RetryTimer = "retry";

    private readonly ISocketLookup _lookup;
    private readonly IActorRef _tracker;
    private readonly RuleSnapshotHolder _rules;
    private readonly int _counterSlot;
    private readonly AttributionOptions _options;
    private readonly PacketIdentity _trying;
    private readonly PacketIdentity _final;
    private readonly List<Waiting> _waiting = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private long _decided, _timedOut, _lastUnattributedLog = long.MinValue / 2;

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
        Receive<AttributePacket>(OnAttribute);
        Receive<RetryWaiting>(_ => Retry());
        Receive<GetAttributionStats>(_ => Sender.Tell(new AttributionStats(_waiting.Count, _decided, _timedOut)));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(ISocketLookup lookup, IHolderImageSource images, IActorRef tracker, RuleSnapshotHolder rules,
        int counterSlot, AttributionOptions options) =>
        Akka.Actor.Props.Create(() => new PacketAttributionActor(lookup, images, tracker, rules, counterSlot, options));

    private void OnAttribute(AttributePacket packet)
    {
        var waiting = new Waiting(packet, Environment.TickCount64 + (long)_options.Wait.TotalMilliseconds);
        if (TryDecide(waiting, final: _waiting.Count >= _options.MaxWaiting))
            return;
        _waiting.Add(waiting);
        if (!Timers.IsTimerActive(RetryTimer))
            Timers.StartPeriodicTimer(RetryTimer, RetryWaiting.Instance, _options.RetryInterval);
    }

    private void Retry()
    {
        long now = Environment.TickCount64;
        _waiting.RemoveAll(w => TryDecide(w, final: now >= w.Deadline));
        if (_waiting.Count == 0)
            Timers.Cancel(RetryTimer);
    }

    /// <returns>True when the packet was decided.</returns>
    private bool TryDecide(Waiting waiting, bool final)
    {
        AttributePacket packet = waiting.Packet;
        if (!final && !waiting.SocketFound && packet.Chain != Chain.Forward)
        {
            // Once sock_diag missed, only the memory of released sockets can still answer: no more sock_diag.
            SocketLookupStatus status = waiting.GoneSince is null
                ? LookUp(packet)
                : _lookup.LookupReleased(packet.Headers, SocketLocator.LocalSideOf(packet.Chain)).Status;
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

        PacketIdentity identity = final ? _final : _trying;
        Verdict verdict = _rules.Current.Judge(packet.Chain, packet.Headers, _counterSlot, identity, out bool deferred);
        if (deferred)
        {
            HolderImages images = identity.Images;
            if (images.MissingHoldersOf != 0 && waiting.AskedTrackerFor != images.MissingHoldersOf)
            {
                waiting.AskedTrackerFor = images.MissingHoldersOf;
                _tracker.Tell(new FindSocketHolders(images.MissingHoldersOf));
            }
            if (images.MissingFlow)
                waiting.SocketFound = false; // the socket closed meanwhile and its flow was forgotten: look again
            return false;
        }

        packet.Batcher.Tell(new DeferredPacketJudged(packet.PacketId, verdict));
        var counters = packet.Counters;
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
                    $"no image of process {missing.MissingImageOf} ({_timedOut} at the bound so far); packet: IPv{packet.Headers.IpVersion} proto {packet.Headers.Protocol} " +
                    $"{new System.Net.IPAddress(Bytes(packet.Headers.Source))}.{packet.Headers.SourcePort} > {new System.Net.IPAddress(Bytes(packet.Headers.Destination))}.{packet.Headers.DestinationPort}");
            }
        }
        _decided++;
        return true;
    }

    private static byte[] Bytes(UInt128 address)
    {
        var bytes = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return bytes;
    }

    private SocketLookupStatus LookUp(AttributePacket packet)
    {
        try
        {
            return _lookup.Lookup(packet.Headers, SocketLocator.LocalSideOf(packet.Chain), packet.Uid).Status;
        }
        catch (NetlinkException e)
        {
            _log.Warning("socket lookup failed: {0}", e.Message);
            return SocketLookupStatus.Unattributable;
        }
    }

    protected override void PostStop()
    {
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
        public SocketLookupStatus? LastLookup { get; set; }
        /// <summary>When sock_diag first missed the socket, CLOCK_MONOTONIC ns (null: it has not).</summary>
        public ulong? GoneSince { get; set; }
    }

    private sealed record RetryWaiting
    {
        public static readonly RetryWaiting Instance = new();
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
