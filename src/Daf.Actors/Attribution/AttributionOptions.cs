// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Identity;

namespace Daf.Actors.Attribution;

/// <summary>How long a deferred packet may wait for its holders, and how often the wait is re-checked.</summary>
public sealed record AttributionOptions
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromMilliseconds(200);

    /// <summary>After this a deferred packet is judged with the holders known by then (counted as unattributed when some are missing).</summary>
    public TimeSpan Wait { get; init; } = DefaultWait;

    /// <summary>How often waiting packets look again for their socket, holders and images.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Packets waiting at most; beyond it a deferred packet is judged at once with what is known.</summary>
    public int MaxWaiting { get; init; } = 8192;

    /// <summary>Publications of holders and images: a waiting packet is re-checked at once (null: only every <see cref="RetryInterval"/>).</summary>
    public IdentityChangeSignal? Changes { get; init; }

    /// <summary>Asks the eBPF reader to deliver the events it holds now (a packet waits for a socket's holders); null: nothing to ask.</summary>
    public Action? HurryEvents { get; init; }

    /// <summary>Where image reads are asked for directly (<see cref="ProcessImageStore.TryRefresh"/>); null, or no scanner yet: through the tracker.</summary>
    public ProcessImageStore? Images { get; init; }
}
