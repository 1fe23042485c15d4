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
    /// <remarks>
    /// A packet of the flow <paramref name="images"/> last resolved completely, while the flow cache, the holder table
    /// and the image store have not changed since (their versions), reuses those images: no dictionary lookup, only
    /// the per-holder volatile loads no version covers (forks, exits, generations), which still make it defer.
    /// </remarks>
    public HolderResolution Resolve(in PacketHeaders headers, LocalSide side, HolderImages images)
    {
        if (!SocketLocator.TryGetFlowKey(headers, side, out FlowKey key))
        {
            images.Clear();
            return HolderResolution.Unattributable;
        }
        // The versions before the lookups: a change after these reads moves them, and the memo made now is not used again.
        long cacheVersion = locator.Cache.Version, holdersVersion = holders.Version, imagesVersion = store.Version;
        long now = Environment.TickCount64;
        if (ReferenceEquals(images.MemoSource, this) && images.MemoCacheVersion == cacheVersion && images.MemoHoldersVersion == holdersVersion
            && images.MemoImagesVersion == imagesVersion && images.MemoExpiresAt > now && images.AsOfNanoseconds == 0
            && images.MemoKey == key && StillComplete(images))
            return HolderResolution.Complete;
        images.Clear();
        if (!locator.TryGetCached(key, headers, now, out FlowCacheEntry entry) || (entry.ReleasedOnly && !images.TrustsReleased))
        {
            images.MissingFlow = true;
            return HolderResolution.Pending;
        }
        bool complete = true, memoizable = images.AsOfNanoseconds == 0;
        if (entry.Candidates is not { } candidates)
            complete = AddHolders(entry.Socket.Inode, images, ref memoizable);
        else
            foreach (LocatedSocket candidate in candidates)
                complete &= AddHolders(candidate.Inode, images, ref memoizable);
        if (!complete)
            return HolderResolution.Pending;
        if (memoizable)
        {
            images.MemoSource = this;
            images.MemoKey = key;
            images.MemoCacheVersion = cacheVersion;
            images.MemoHoldersVersion = holdersVersion;
            images.MemoImagesVersion = imagesVersion;
            images.MemoExpiresAt = entry.ExpiresAt;
        }
        return HolderResolution.Complete;
    }

    /// <summary>
    /// The memo's holder sets and images would still resolve completely and to the same images: no holder forked since
    /// its set was published, no holder of a shared socket exited (<see cref="DepartedBefore"/> would then weigh it),
    /// every image is current.
    /// </summary>
    private bool StillComplete(HolderImages images)
    {
        ProcessGenerations generations = store.Generations;
        ReadOnlySpan<ProcessImage> known = images.Images;
        int next = 0;
        for (int s = 0; s < images.MemoSetCount; s++)
        {
            HolderSet set = images.MemoSets[s];
            ReadOnlySpan<int> tgids = set.ThreadGroups;
            ReadOnlySpan<ulong> appliedForks = set.AppliedForks;
            bool shared = tgids.Length > 1;
            for (int i = 0; i < tgids.Length; i++)
            {
                if (appliedForks[i] != HolderSet.NotHolding && generations.ForksOf(tgids[i]) != appliedForks[i])
                    return false;
                if (shared && generations.ExitedAt(tgids[i]) != 0)
                    return false;
                if ((uint)next >= (uint)known.Length || !generations.IsCurrent(known[next++]))
                    return false;
            }
        }
        return next == known.Length;
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

    /// <param name="memoizable">Cleared when a holder was left out as departed: the images then depend on the clock.</param>
    private bool AddHolders(ulong inode, HolderImages images, ref bool memoizable)
    {
        if (!holders.TryGetHolders(inode, out HolderSet set) || set.Count == 0)
        {
            images.MissingHoldersOf = inode;
            return false;
        }
        images.AddMemoSet(set);
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
        if (departedBefore != 0)
            memoizable = false;
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
