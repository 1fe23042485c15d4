// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Identity;
using Daf.Actors.Tracking;

namespace Daf.Actors.Attribution;

/// <summary>
/// The images of the holders of one packet's socket, filled by <see cref="IHolderImageSource.Resolve"/>. Reused
/// packet after packet by one thread (it grows, never shrinks), and says which link was missing when resolution stopped.
/// </summary>
public sealed class HolderImages
{
    private ProcessImage[] _images = new ProcessImage[4];

    public int Count { get; private set; }

    public ProcessImage this[int index] => index < Count ? _images[index] : throw new ArgumentOutOfRangeException(nameof(index));

    public ReadOnlySpan<ProcessImage> Images => _images.AsSpan(0, Count);

    /// <summary>The packet's flow was not in the socket locator's cache.</summary>
    public bool MissingFlow { get; set; }

    /// <summary>The socket whose holders are not known (0 when none is missing).</summary>
    public ulong MissingHoldersOf { get; set; }

    /// <summary>A holder whose image has not been read yet (0 when none is missing).</summary>
    public int MissingImageOf { get; set; }

    /// <summary>
    /// An image older than its process's generation counter (the process exec'd or mapped code since it was read):
    /// included in <see cref="Images"/> but not enough to judge by, null when none was.
    /// </summary>
    public ProcessImage? StaleImage { get; set; }

    /// <summary>
    /// A holder that forked a new process the holder set does not account for yet (the probe's `forks` count is ahead of
    /// the tracker): the child shares the socket but is not among <see cref="Images"/>. 0 when none did.
    /// </summary>
    public int UnappliedForkOf { get; set; }

    /// <summary>
    /// The packet's time (CLOCK_MONOTONIC ns) when it is judged later than it came (a deferred packet): holders that
    /// exited more than the grace delay before it are not its holders. 0: now. Not reset by <see cref="Clear"/>.
    /// </summary>
    public ulong AsOfNanoseconds { get; set; }

    /// <summary>
    /// A flow cache entry of released sockets only (<see cref="FlowCacheEntry.ReleasedOnly"/>) may answer: set by those
    /// that looked the packet's socket up in the slow path first (the attribution actor). Otherwise such an entry makes the
    /// resolution pending with <see cref="MissingFlow"/> (a new socket may have the released one's port), so that the
    /// slow path asks sock_diag again. Not reset by <see cref="Clear"/>.
    /// </summary>
    public bool TrustsReleased { get; set; }

    public void Add(ProcessImage image)
    {
        if (Count == _images.Length)
            Array.Resize(ref _images, Count * 2);
        _images[Count++] = image;
    }

    /// <summary>
    /// What the last complete resolution into these images read (<see cref="SocketHolderImages"/>): the source, the
    /// flow, the versions of the flow cache, holder table and image store, the entry's expiry and the holder sets.
    /// Valid until <see cref="Clear"/>; a packet of the same flow while nothing moved reuses the images after the
    /// per-holder checks that no version covers (forks, exits, generations).
    /// </summary>
    internal object? MemoSource;
    internal FlowKey MemoKey;
    internal long MemoCacheVersion, MemoHoldersVersion, MemoImagesVersion, MemoExpiresAt;
    internal HolderSet[] MemoSets = new HolderSet[1];
    internal int MemoSetCount;

    internal void AddMemoSet(HolderSet set)
    {
        if (MemoSetCount == MemoSets.Length)
            Array.Resize(ref MemoSets, MemoSetCount * 2);
        MemoSets[MemoSetCount++] = set;
    }

    public void Clear()
    {
        MemoSource = null;
        Array.Clear(MemoSets, 0, MemoSetCount);
        MemoSetCount = 0;
        Array.Clear(_images, 0, Count);
        Count = 0;
        MissingFlow = false;
        MissingHoldersOf = 0;
        MissingImageOf = 0;
        StaleImage = null;
        UnappliedForkOf = 0;
    }
}
