// SPDX-License-Identifier: Apache-2.0
using System.Collections.Concurrent;

namespace Daf.Actors.Attribution;

/// <summary>
/// Flow → socket cache. Reads (<see cref="TryGet"/>) are lock-free and allocate nothing (struct keys and values
/// in a ConcurrentDictionary), from any thread. Writes (add, invalidate, evict) are serialised by one lock and
/// keep an inode → keys index so that a closed socket's flows go at once.
/// </summary>
public sealed class FlowCache
{
    private readonly ConcurrentDictionary<FlowKey, FlowCacheEntry> _entries;
    private readonly Dictionary<ulong, List<FlowKey>> _keysByInode = [];
    private readonly Lock _writeLock = new();
    private readonly int _capacity;
    private int _count;
    private long _version;

    public FlowCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 4);
        _capacity = capacity;
        _entries = new ConcurrentDictionary<FlowKey, FlowCacheEntry>(Environment.ProcessorCount, capacity);
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Moves after every change (add, invalidate, eviction): a reader that read it before a lookup and finds it
    /// unchanged later knows the lookup would give the same entry (<see cref="SocketHolderImages"/>'s memo).
    /// </summary>
    public long Version => Volatile.Read(ref _version);

    /// <summary>Entries dropped to stay within capacity (expired ones not counted).</summary>
    public long Evicted { get; private set; }

    public bool TryGet(in FlowKey key, long now, out FlowCacheEntry entry) =>
        _entries.TryGetValue(key, out entry) && entry.ExpiresAt > now;

    public void Add(in FlowKey key, in FlowCacheEntry entry, long now)
    {
        lock (_writeLock)
        {
            if (_count >= _capacity)
                Evict(now);
            if (_entries.TryGetValue(key, out FlowCacheEntry old))
                Unindex(key, old);
            else
                _count++;
            _entries[key] = entry;
            Index(key, entry);
            Volatile.Write(ref _version, _version + 1);
        }
    }

    /// <summary>
    /// Adds <paramref name="socket"/> as one more candidate of the unexpired entry of <paramref name="key"/> (else of
    /// <paramref name="from"/>, then stored under <paramref name="key"/>), expiring no later than
    /// <paramref name="expiresAt"/>; false when there is no such entry or it has the socket already.
    /// </summary>
    public bool Join(in FlowKey key, in FlowKey from, LocatedSocket socket, long expiresAt, long now)
    {
        lock (_writeLock) // System.Threading.Lock is re-entrant: Add takes it again
        {
            if (!TryGet(key, now, out FlowCacheEntry entry) && !TryGet(from, now, out entry))
                return false;
            LocatedSocket[] candidates = entry.Candidates ?? [entry.Socket];
            foreach (LocatedSocket candidate in candidates)
            {
                if (candidate.Inode == socket.Inode)
                    return false;
            }
            Add(key, entry with { Candidates = [.. candidates, socket], ExpiresAt = Math.Min(entry.ExpiresAt, expiresAt) }, now);
            return true;
        }
    }

    /// <summary>Drops every flow of the socket with <paramref name="inode"/> (it was closed); returns how many.</summary>
    public int Invalidate(ulong inode)
    {
        lock (_writeLock)
        {
            if (!_keysByInode.Remove(inode, out List<FlowKey>? keys))
                return 0;
            int removed = 0;
            foreach (FlowKey key in keys)
            {
                if (!_entries.TryRemove(key, out FlowCacheEntry entry))
                    continue;
                removed++;
                _count--;
                UnindexOthers(key, entry, inode);
            }
            Volatile.Write(ref _version, _version + 1);
            return removed;
        }
    }

    private void Evict(long now)
    {
        foreach (KeyValuePair<FlowKey, FlowCacheEntry> pair in _entries)
        {
            if (pair.Value.ExpiresAt <= now)
                Remove(pair.Key, pair.Value);
        }
        int target = _capacity / 4 * 3;
        foreach (KeyValuePair<FlowKey, FlowCacheEntry> pair in _entries)
        {
            if (_count <= target)
                break;
            Remove(pair.Key, pair.Value);
            Evicted++;
        }
    }

    private void Remove(FlowKey key, FlowCacheEntry entry)
    {
        if (_entries.TryRemove(key, out _))
        {
            _count--;
            Unindex(key, entry);
            Volatile.Write(ref _version, _version + 1);
        }
    }

    private void Index(FlowKey key, FlowCacheEntry entry)
    {
        if (entry.Candidates is null)
        {
            IndexOne(key, entry.Socket.Inode);
            return;
        }
        foreach (LocatedSocket candidate in entry.Candidates)
            IndexOne(key, candidate.Inode);
    }

    private void IndexOne(FlowKey key, ulong inode)
    {
        if (!_keysByInode.TryGetValue(inode, out List<FlowKey>? keys))
            _keysByInode[inode] = keys = [];
        keys.Add(key);
    }

    private void Unindex(FlowKey key, FlowCacheEntry entry) => UnindexOthers(key, entry, except: null);

    private void UnindexOthers(FlowKey key, FlowCacheEntry entry, ulong? except)
    {
        if (entry.Candidates is null)
        {
            UnindexOne(key, entry.Socket.Inode, except);
            return;
        }
        foreach (LocatedSocket candidate in entry.Candidates)
            UnindexOne(key, candidate.Inode, except);
    }

    private void UnindexOne(FlowKey key, ulong inode, ulong? except)
    {
        if (inode == except || !_keysByInode.TryGetValue(inode, out List<FlowKey>? keys))
            return;
        keys.Remove(key);
        if (keys.Count == 0)
            _keysByInode.Remove(inode);
    }
}
