// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;

namespace Daf.Actors.Attribution;

/// <summary>
/// The published routes to the attributors of other namespaces (<see cref="ForeignNamespacesActor"/> writes them, queue
/// readers read them once per batch). Immutable arrays replaced whole.
/// </summary>
public sealed class NamespaceRoutes
{
    private NamespaceRoute[] _current = [];

    /// <param name="fallback">The daemon namespace's attributor: judges forwarded packets no other namespace claims.</param>
    public NamespaceRoutes(IActorRef fallback) => Fallback = fallback;

    public IActorRef Fallback { get; }

    /// <summary>The <see cref="ForeignNamespacesActor"/>: takes forwarded packets of a namespace whose route is not made yet.</summary>
    public IActorRef Router
    {
        get => Volatile.Read(ref _router);
        internal set => Volatile.Write(ref _router, value);
    }

    private IActorRef _router = ActorRefs.Nobody;

    public NamespaceRoute[] Current => Volatile.Read(ref _current);

    internal void Publish(NamespaceRoute[] routes) => Volatile.Write(ref _current, routes);

    /// <summary>The socket with <paramref name="inode"/> was closed: forget its flows in every namespace (inodes are machine-wide).</summary>
    public void Invalidate(ulong inode)
    {
        foreach (NamespaceRoute route in Current)
            route.Holders.Locator.Invalidate(inode);
    }
}
