// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Attribution;
using Daf.Tests.Shared;

namespace Daf.Actors.Tests.Attribution;

public sealed class FlowCacheTests
{
    private static FlowKey Key(ushort localPort, ushort remotePort = 80) => new(6, 1, localPort, 2, remotePort, false);
    private static LocatedSocket Socket(ulong inode) => new(inode, inode * 10, 1000, 1, SocketKind.Tcp);

    [Fact]
    public void Added_flow_is_found_until_it_expires()
    {
        var cache = new FlowCache(16);
        cache.Add(Key(1), new FlowCacheEntry(Socket(7), null, ExpiresAt: 100), now: 0);

        Assert.True(cache.TryGet(Key(1), 99, out FlowCacheEntry hit));
        Assert.Equal(7ul, hit.Socket.Inode);
        Assert.False(cache.TryGet(Key(1), 100, out _));
        Assert.False(cache.TryGet(Key(1, remotePort: 81), 0, out _));
    }

    [Fact]
    public void Invalidating_an_inode_drops_every_flow_of_that_socket_and_no_other()
    {
        var cache = new FlowCache(16);
        cache.Add(Key(1), new FlowCacheEntry(Socket(7), null, 100), 0);
        cache.Add(Key(2), new FlowCacheEntry(Socket(7), null, 100), 0);
        cache.Add(Key(3), new FlowCacheEntry(Socket(8), null, 100), 0);

        Assert.Equal(2, cache.Invalidate(7));

        Assert.False(cache.TryGet(Key(1), 0, out _));
        Assert.False(cache.TryGet(Key(2), 0, out _));
        Assert.True(cache.TryGet(Key(3), 0, out _));
        Assert.Equal(1, cache.Count);
        Assert.Equal(0, cache.Invalidate(7));
    }

    [Fact]
    public void Invalidating_any_raw_candidate_drops_the_shared_entry()
    {
        var cache = new FlowCache(16);
        cache.Add(Key(1), new FlowCacheEntry(Socket(7), [Socket(7), Socket(9)], 100), 0);

        Assert.Equal(1, cache.Invalidate(9));

        Assert.False(cache.TryGet(Key(1), 0, out _));
        Assert.Equal(0, cache.Invalidate(7));
    }

    [Fact]
    public void Replacing_a_flow_moves_it_to_the_new_socket()
    {
        var cache = new FlowCache(16);
        cache.Add(Key(1), new FlowCacheEntry(Socket(7), null, 100), 0);
        cache.Add(Key(1), new FlowCacheEntry(Socket(8), null, 100), 0);

        Assert.Equal(0, cache.Invalidate(7));
        Assert.True(cache.TryGet(Key(1), 0, out FlowCacheEntry hit));
        Assert.Equal(8ul, hit.Socket.Inode);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void Size_stays_within_capacity_dropping_expired_entries_first()
    {
        var cache = new FlowCache(64);
        for (ushort i = 0; i < 32; i++)
            cache.Add(Key(i), new FlowCacheEntry(Socket(i), null, ExpiresAt: 10), 0);
        for (ushort i = 100; i < 1000; i++)
            cache.Add(Key(i), new FlowCacheEntry(Socket(i), null, ExpiresAt: 1_000_000), now: 20);

        Assert.InRange(cache.Count, 1, 64);
        Assert.True(cache.TryGet(Key(999), 20, out _));
        Assert.Equal(0, cache.Invalidate(5)); // expired entries left the inode index too
    }

    [Fact]
    public void Reads_allocate_nothing()
    {
        var cache = new FlowCache(16);
        cache.Add(Key(1), new FlowCacheEntry(Socket(7), null, 100), 0);
        cache.TryGet(Key(1), 0, out _);

        long allocated = Allocations.Measure(() =>
        {
            cache.TryGet(Key(1), 0, out _);
            cache.TryGet(Key(2), 0, out _);
        });

        Assert.InRange(allocated, 0, Allocations.StrayBytes);
    }

    [Fact]
    public async Task Concurrent_readers_see_consistent_entries_while_a_writer_adds_and_invalidates()
    {
        var cache = new FlowCache(256);
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        int torn = 0;
        Task[] readers = [.. Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                for (ushort i = 0; i < 512; i++)
                {
                    if (cache.TryGet(Key(i), 0, out FlowCacheEntry e) && e.Socket.Cookie != e.Socket.Inode * 10)
                        Interlocked.Increment(ref torn);
                }
            }
        }))];
        var random = new Random(1);
        while (!stop.IsCancellationRequested)
        {
            ushort port = (ushort)random.Next(512);
            cache.Add(Key(port), new FlowCacheEntry(Socket(port), null, long.MaxValue), 0);
            cache.Invalidate((ulong)random.Next(512));
        }
        await Task.WhenAll(readers);

        Assert.Equal(0, torn);
        Assert.InRange(cache.Count, 0, 256);
    }
}
