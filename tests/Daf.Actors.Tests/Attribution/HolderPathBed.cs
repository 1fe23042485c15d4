// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Attribution;
using Daf.Actors.Identity;
using Daf.Actors.Tests.Rules;
using Daf.Actors.Tracking;
using Daf.Interop.Bpf;
using Daf.Interop.Packets;

namespace Daf.Actors.Tests.Attribution;

/// <summary>
/// The packet path from a flow to its holders' images, with the probe's generation, exit and fork arrays as real mmapped
/// maps (root) and the flow cache filled by hand: what the tests of that path (forks, exits, the memo) share.
/// </summary>
public abstract class HolderPathBed : IDisposable
{
    protected const ulong Inode = 4242;
    protected static readonly PacketHeaders Packet = Packets.Udp("10.0.0.1", "10.0.0.2", 40000, 53);
    protected static readonly ulong Grace = (ulong)TrackingOptions.DefaultGraceDelay.Ticks * 100;

    protected readonly BpfCounterArray Generations = BpfCounterArray.Create("daf_test_gen", 2048);
    protected readonly BpfCounterArray Exits = BpfCounterArray.Create("daf_test_exits", 2048);
    protected readonly BpfCounterArray Forks = BpfCounterArray.Create("daf_test_forks", 2048);
    protected readonly SocketLocator Locator = SocketLocator.OpenIn("/proc/self/ns/net", new SocketLocatorOptions());
    protected readonly SocketHolderTable Table = new(TrackingOptions.DefaultGraceDelay);
    protected readonly ProcessImageStore Store;
    protected readonly SocketHolderImages Source;
    protected readonly HolderImages Images = new();

    protected HolderPathBed()
    {
        Store = new ProcessImageStore(new ProcessGenerations(Generations, TrackingOptions.Default) { Exits = Exits, Forks = Forks });
        Source = new SocketHolderImages(Locator, Table, Store);
        Cache(Packet, Inode);
    }

    protected static ulong Now => SocketHolderTrackerActor.MonotonicNanoseconds();

    protected void Cache(in PacketHeaders packet, ulong inode, long expiresAt = long.MaxValue)
    {
        Assert.True(SocketLocator.TryGetFlowKey(packet, LocalSide.Source, out FlowKey key));
        Locator.Cache.Add(key, new FlowCacheEntry(new LocatedSocket(inode, 1, 0, 1, SocketKind.Udp), null, expiresAt), Environment.TickCount64);
    }

    protected HolderResolution Resolve(in PacketHeaders packet) => Source.Resolve(packet, LocalSide.Source, Images);

    protected HolderResolution Resolve() => Resolve(Packet);

    /// <summary>The pids of the images the last resolution produced, in order.</summary>
    protected int[] ResolvedPids() => [.. Images.Images.ToArray().Select(i => i.Pid).Order()];

    public void Dispose()
    {
        Locator.Dispose();
        Forks.Dispose();
        Exits.Dispose();
        Generations.Dispose();
        GC.SuppressFinalize(this);
    }
}
