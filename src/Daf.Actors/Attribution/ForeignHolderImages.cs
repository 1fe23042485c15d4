// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;
using Daf.Interop.Packets;

namespace Daf.Actors.Attribution;

/// <summary>
/// The holder source of a packet whose socket lives in another namespace than the daemon's: the caller points it at
/// that namespace's holder source (<see cref="SocketHolderImages"/>) and the packet's local side there before judging. One per
/// judging thread (mutable, reused packet after packet, no allocation).
/// </summary>
public sealed class ForeignHolderImages : IHolderImageSource
{
    public ISidedHolderImageSource? Target { get; set; }

    public LocalSide Side { get; set; }

    public HolderResolution Resolve(Chain chain, in PacketHeaders headers, HolderImages images)
    {
        if (Target is { } target)
            return target.Resolve(headers, Side, images);
        images.Clear();
        return HolderResolution.Unattributable;
    }
}
