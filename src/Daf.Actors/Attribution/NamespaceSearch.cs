// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;

namespace Daf.Actors.Attribution;

/// <summary>
/// A forwarded packet whose namespace is not known yet: <see cref="Routes"/>[<see cref="Index"/>]'s attributor looks
/// for its socket in its namespace and keeps the packet when it finds it; otherwise it hands the packet to the next
/// route, and after the last to <see cref="Fallback"/> (the daemon namespace's attributor), which judges it by the
/// daemon's rules.
/// </summary>
public sealed record NamespaceSearch(NamespaceRoute[] Routes, int Index, IActorRef Fallback)
{
    public NamespaceRoute Current => Routes[Index];

    /// <summary>The search at the next route; null after the last.</summary>
    public NamespaceSearch? Next() => Index + 1 < Routes.Length ? this with { Index = Index + 1 } : null;
}
