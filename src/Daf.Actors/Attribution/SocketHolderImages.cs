// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Identity;
using Daf.Actors.Rules;
using Daf.Actors.Tracking;
using Daf.Interop.Packets;

namespace Daf.Actors.Attribution;

/// <summary>
/// The in-memory path from a packet to its holders' images in one network namespace: the locator's flow cache
/// (<see cref="SocketLocator.TryGetCached(in PacketHeaders, LocalSide, out FlowCacheEntry)"/>), the holder table
/// (<see cref="SocketHolderTable.TryGetHolders"/>) and the image store (<see cref="ProcessImageStore.TryGetImage"/>).
/// Lock-free and allocation-free; any thread. Raw sockets may have several candidate sockets: the holders of all of
/// them are the packet's holders.
/// </summary>
public sealed class SocketHolderImages(SocketLocator locator, SocketHolderTable holders, ProcessImageStore store) : IHolderImageSource, ISidedHolderImageSource
{
    public HolderResolution Resolve(Chain chain, in PacketHeaders headers, HolderImages images)
    {
        if (chain == Chain.Forward)
        {
            images.Clear();
            return HolderResolution.Unattributable; // a forwarded packet has no socket in this namespace
        }
        return Resolve(headers, SocketLocator.LocalSideOf(chain), images);
    }

    /// <summary>The locator whose flow cache this source reads.</summary>
    public SocketLocator Locator => locator;

    /// <summary>Like <see cref="Resolve(Chain, in PacketHeaders, HolderImages)"/> with the packet's local side given.</summary>
    public HolderResolution Resolve(in PacketHeaders headers, LocalSide side, HolderImages images)
    {
        images.Clear();
        if (!locator.TryGetCached(headers, side, out FlowCacheEntry entry))
        {
            if (!SocketLocator.TryGetFlowKey(headers, side, out _))
                return HolderResolution.Unattributable;
            images.MissingFlow = true;
            return HolderResolution.Pending;
        }
        bool complete = true;
        if (entry.Candidates is not { } candidates)
            complete = AddHolders(entry.Socket.Inode, images);
        else
            foreach (LocatedSocket candidate in candidates)
                complete &= AddHolders(candidate.Inode, images);
        return complete ? HolderResolution.Complete : HolderResolution.Pending;
    }

    /// <summary>
    /// When some holder of <paramref name="set"/> still lives and some other exited (the probe's `exits` map; the tracker
    /// may not have applied the exit yet): holders that exited before the returned moment (the grace delay before the
    /// packet's time) are no holders of it. 0: keep every holder (all alive, or all exited: a socket nobody holds any
    /// more sends nothing new, so its packet was sent before they exited, and the table's retention governs).
    /// Volatile loads only; the clock is read only when the set mixes living and exited processes.
    /// </summary>
    private ulong DepartedBefore(HolderSet set, ulong asOf)
    {
        ProcessGenerations generations = store.Generations;
        bool alive = false, exited = false;
        foreach (int tgid in set.ThreadGroups)
        {
            if (generations.ExitedAt(tgid) == 0) alive = true;
            else exited = true;
        }
        if (!alive || !exited)
            return 0;
        ulong now = asOf != 0 ? asOf : SocketHolderTrackerActor.MonotonicNanoseconds();
        return now > generations.GraceNanoseconds ? now - generations.GraceNanoseconds : 0;
    }

    private bool AddHolders(ulong inode, HolderImages images)
    {
        if (!holders.TryGetHolders(inode, out HolderSet set) || set.Count == 0)
        {
            images.MissingHoldersOf = inode;
            return false;
        }
        bool complete = true;
        ProcessGenerations generations = store.Generations;
        ReadOnlySpan<int> tgids = set.ThreadGroups;
        ReadOnlySpan<ulong> appliedForks = set.AppliedForks;
        for (int i = 0; i < tgids.Length; i++)
        {
            // A holder that forked since the set was published shares the socket with a child the set does not name yet.
            if (appliedForks[i] != HolderSet.NotHolding && generations.ForksOf(tgids[i]) != appliedForks[i])
            {
                images.UnappliedForkOf = tgids[i];
                complete = false;
            }
        }
        ulong departedBefore = set.Count > 1 ? DepartedBefore(set, images.AsOfNanoseconds) : 0;
        foreach (int tgid in tgids)
        {
            if (departedBefore != 0 && generations.ExitedAt(tgid) is > 0 and var exited && exited < departedBefore)
                continue; // exited longer than the grace delay ago, and a living holder is left: not this packet's sender
            if (store.TryGetImage(tgid, out ProcessImage image))
            {
                images.Add(image);
                if (!store.Generations.IsCurrent(image))
                {
                    // Changed since it was read (exec, dlopen): a final judge may still drop by it, never accept.
                    images.StaleImage = image;
                    complete = false;
                }
            }
            else
            {
                images.MissingImageOf = tgid;
                complete = false;
            }
        }
        return complete;
    }
}
