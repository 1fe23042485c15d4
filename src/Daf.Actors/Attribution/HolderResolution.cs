// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Attribution;

/// <summary>How far <see cref="IHolderImageSource.Resolve"/> got from a packet to its holders' images.</summary>
public enum HolderResolution : byte
{
    /// <summary>Every holder's image is known (at least one holder).</summary>
    Complete,
    /// <summary>A link is not in memory yet (flow not cached, holders unknown, image not read): looking again later may help.</summary>
    Pending,
    /// <summary>The packet can never be attributed (no local socket to key on, FORWARD): judge it with no holders.</summary>
    Unattributable,
}
