// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Attribution;
using Daf.Actors.Identity;
using Daf.Actors.Rules;
using Daf.Interop.Packets;

namespace Daf.Actors.Tests.Attribution;

/// <summary>A holder source that answers what the test set: some images, and whether that is all of them.</summary>
internal sealed class FakeHolderImages : IHolderImageSource
{
    public ProcessImage[] Holders { get; set; } = [];
    public HolderResolution Resolution { get; set; } = HolderResolution.Complete;
    public ulong MissingHoldersOf { get; set; }
    public ProcessImage? StaleImage { get; set; }
    public int MissingImageOf { get; set; }
    public int Calls;

    public HolderResolution Resolve(Chain chain, in PacketHeaders headers, HolderImages images)
    {
        Interlocked.Increment(ref Calls);
        images.Clear();
        foreach (ProcessImage image in Holders)
            images.Add(image);
        images.MissingHoldersOf = MissingHoldersOf;
        images.StaleImage = StaleImage;
        images.MissingImageOf = MissingImageOf;
        return Resolution;
    }

    public static Sha256Digest Digest(byte seed) => new(seed, seed, seed, seed);

    /// <summary>An image mapping objects with the given digests, verifiable unless <paramref name="unverifiable"/>.</summary>
    public static ProcessImage Image(int pid, bool unverifiable, params Sha256Digest[] digests)
    {
        var objects = digests.Select((d, i) => new MappedObject($"/obj{i}", true, d, null)).ToList();
        if (unverifiable)
            objects.Add(new MappedObject("/memfd:x (deleted)", true, null, "memfd"));
        return new ProcessImage(pid, objects);
    }

    public static ProcessImage Image(int pid, params Sha256Digest[] digests) => Image(pid, false, digests);
}
