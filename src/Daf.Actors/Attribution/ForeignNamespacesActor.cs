// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.Event;
using Daf.Actors.Identity;
using Daf.Actors.Rules;
using Daf.Actors.Tracking;
using Daf.Interop.Netlink;
using Daf.Interop.Posix;

namespace Daf.Actors.Attribution;

/// <summary>
/// Keeps one <see cref="PacketAttributionActor"/>, with a <see cref="SocketLocator"/> made inside the namespace, for every
/// other network namespace the rules name (<see cref="RuleSnapshot.ForeignNamespaces"/>), and publishes the routes to
/// them (<see cref="NamespaceRoutes"/>) for the queue readers. Watches <see cref="RulesChanged"/>: a namespace named
/// for the first time gets its locator (made once, by a short-lived thread that enters the namespace through the file
/// the rule store holds open, so no daemon thread ever changes namespace) and its attributor; a namespace no rule names
/// any more loses both (the locator is closed once its attributor stopped). A namespace whose locator cannot be made
/// has no route: its identity rules never match (it is retried at the next rule change).
/// Supervision: default; a restart closes every locator and makes them again.
/// </summary>
public sealed class ForeignNamespacesActor : ReceiveActor
{
    private readonly RuleSnapshotHolder _rules;
    private readonly NamespaceRoutes _routes;
    private readonly SocketHolderTable _holders;
    private readonly ProcessImageStore _images;
    private readonly IActorRef _tracker;
    private readonly int _counterSlot;
    private readonly AttributionOptions _options;
    private readonly SocketLocatorOptions _locatorOptions;
    private readonly ReleasedSocketTable? _released;
    private readonly Dictionary<ulong, Served> _served = [];
    private readonly Dictionary<IActorRef, SocketLocator> _stopping = [];
    /// <summary>Namespaces whose locator could not be made, not tried again before the next rule change.</summary>
    private readonly HashSet<ulong> _unavailable = [];
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private static readonly TimeSpan RetireAfter = TimeSpan.FromSeconds(1);

    public ForeignNamespacesActor(RuleSnapshotHolder rules, NamespaceRoutes routes, SocketHolderTable holders, ProcessImageStore images,
        IActorRef tracker, int counterSlot, AttributionOptions options, SocketLocatorOptions locatorOptions, ReleasedSocketTable? released = null)
    {
        _rules = rules;
        _routes = routes;
        _holders = holders;
        _images = images;
        _tracker = tracker;
        _counterSlot = counterSlot;
        _options = options;
        _locatorOptions = locatorOptions;
        _released = released;
        Receive<RulesChanged>(_ =>
        {
            _unavailable.Clear(); // try those again
            Reconcile();
        });
        Receive<AttributePacket>(StartSearch);
        Receive<Terminated>(OnTerminated);
    }

    public static Props Props(RuleSnapshotHolder rules, NamespaceRoutes routes, SocketHolderTable holders, ProcessImageStore images,
        IActorRef tracker, int counterSlot, AttributionOptions options, SocketLocatorOptions locatorOptions, ReleasedSocketTable? released = null) =>
        Akka.Actor.Props.Create(() => new ForeignNamespacesActor(rules, routes, holders, images, tracker, counterSlot, options, locatorOptions, released));

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(RulesChanged));
        _routes.Router = Self;
        Reconcile();
    }

    /// <summary>
    /// A forwarded packet a reader could not route: a rule named a namespace a moment ago and the
    /// <see cref="RulesChanged"/> that makes its locator has not been handled yet. Make it now, then search the
    /// namespaces whose rules could judge the packet; none: the daemon's attributor judges it.
    /// </summary>
    private void StartSearch(AttributePacket packet)
    {
        Reconcile();
        RuleSnapshot snapshot = _rules.Current;
        NamespaceRoute[] searched = _served.Values.Select(s => s.Route)
            .Where(route => snapshot.ForNamespace(route.Inode) is { } rules && rules.JudgesAnything(packet.Chain))
            .ToArray();
        if (searched.Length == 0)
            _routes.Fallback.Tell(packet with { Search = null, Side = null });
        else
            searched[0].Attributor.Tell(packet with { Search = new NamespaceSearch(searched, 0, _routes.Fallback) });
    }

    private void Reconcile()
    {
        IReadOnlyList<NamespaceRuleSnapshot> wanted = _rules.Current.ForeignNamespaces;
        bool changed = false;
        foreach (ulong inode in _served.Keys.Where(inode => !wanted.Any(ns => ns.Inode == inode)).ToList())
        {
            Served gone = _served[inode];
            _served.Remove(inode);
            _stopping[gone.Route.Attributor] = gone.Locator; // closed once the attributor stopped using it
            // Readers may still hold the old routes for the rest of a batch: stop it once none can send to it any more.
            // Packets it was sent meanwhile are decided (PoisonPill comes after them; what still waits goes to the fallback).
            Context.System.Scheduler.ScheduleTellOnce(RetireAfter, gone.Route.Attributor, PoisonPill.Instance, Self);
            _log.Info("namespace {0}: no rule names it any more; its socket lookups end", inode);
            changed = true;
        }
        foreach (NamespaceRuleSnapshot ns in wanted)
        {
            if (_served.ContainsKey(ns.Inode) || ns.File is not { } file || _unavailable.Contains(ns.Inode))
                continue;
            SocketLocator locator;
            try
            {
                locator = SocketLocator.OpenIn(file, _locatorOptions, _released);
            }
            catch (Exception e) when (e is PosixException or NetlinkException or IOException)
            {
                _log.Warning("namespace {0}: cannot make a socket lookup inside it ({1}): its rules do not match", ns.Inode, e.Message);
                _unavailable.Add(ns.Inode);
                continue;
            }
            var holders = new SocketHolderImages(locator, _holders, _images);
            IActorRef attributor = Context.ActorOf(
                PacketAttributionActor.PropsForNamespace(ns.Inode, locator, holders, _tracker, _rules, _counterSlot, _options, _routes.Fallback),
                $"ns-{ns.Inode}");
            Context.Watch(attributor);
            _served[ns.Inode] = new Served(new NamespaceRoute(ns.Inode, holders, attributor), locator);
            _log.Info("namespace {0}: socket lookups made inside it", ns.Inode);
            changed = true;
        }
        if (changed)
            _routes.Publish(_served.Values.Select(s => s.Route).ToArray());
    }

    private void OnTerminated(Terminated terminated)
    {
        if (_stopping.Remove(terminated.ActorRef, out SocketLocator? locator))
        {
            locator.Dispose();
            return;
        }
        // An attributor stopped by itself: serve its namespace afresh.
        foreach (var (inode, served) in _served.Where(s => s.Value.Route.Attributor.Equals(terminated.ActorRef)).ToList())
        {
            _served.Remove(inode);
            served.Locator.Dispose();
        }
        _routes.Publish(_served.Values.Select(s => s.Route).ToArray());
        Reconcile();
    }

    protected override void PostStop()
    {
        Context.System.EventStream.Unsubscribe(Self);
        _routes.Publish([]);
        // The children (attributors) have stopped: nobody uses the locators any more.
        foreach (Served served in _served.Values)
            served.Locator.Dispose();
        foreach (SocketLocator locator in _stopping.Values)
            locator.Dispose();
        _served.Clear();
        _stopping.Clear();
    }

    private sealed record Served(NamespaceRoute Route, SocketLocator Locator);
}
