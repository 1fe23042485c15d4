// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;
using Daf.Interop.Packets;

namespace Daf.Actors.Attribution;

/// <summary>
/// From a packet to the images of the processes holding its local socket, from memory only (no syscall): called on
/// the queue readers' hot path, from several threads at once, when judging reaches a rule with identity criteria.
/// </summary>
public interface IHolderImageSource
{
    /// <summary>Clears <paramref name="images"/> and adds the image of every holder found; says whether that is all of them.</summary>
    HolderResolution Resolve(Chain chain, in PacketHeaders headers, HolderImages images);
}
