// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Packets;

namespace Daf.Actors.Attribution;

/// <summary>
/// <see cref="IHolderImageSource"/> for a packet whose local side is given rather than implied by the chain: the packets
/// of another namespace (<see cref="SocketHolderImages"/> of a locator made inside it). Memory only, any thread.
/// </summary>
public interface ISidedHolderImageSource
{
    /// <summary>Clears <paramref name="images"/> and adds the image of every holder of the packet's socket on <paramref name="side"/>.</summary>
    HolderResolution Resolve(in PacketHeaders headers, LocalSide side, HolderImages images);
}
