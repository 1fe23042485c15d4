// SPDX-License-Identifier: Apache-2.0
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Daf.Interop.Proc;

namespace Daf.Actors.Tracking;

/// <summary>
/// Which thread groups hold which socket inodes. One writer (<see cref="SocketHolderTrackerActor"/>) applies
/// descriptor changes; any thread reads the published <see cref="HolderSet"/> of an inode with
/// <see cref="TryGetHolders"/> (a lock-free dictionary lookup, no allocation). A holder whose last descriptor to a
/// socket goes away (close, exit) stays in that socket's set for the grace delay, so packets in flight keep their
/// owner; <see cref="Expire"/> drops it afterwards. Descriptor numbers are full ints.
/// </summary>
public sealed class SocketHolderTable
{
    private readonly ConcurrentDictionary<ulong, HolderSet> _published = new();
    private readonly Dictionary<int, Dictionary<int, ulong>> _descriptors = [];
    private readonly Dictionary<ulong, Dictionary<int, int>> _counts = [];
    private readonly Dictionary<ulong, Dictionary<int, long>> _departing = [];
    private readonly Dictionary<int, uint> _forks = [];
    private readonly PriorityQueue<(ulong Inode, int Tgid), long> _expiries = new();
    private readonly HashSet<ulong> _dirty = [];
    private readonly List<int> _scratch = [];
    private readonly TimeProvider _time;
    private readonly long _graceTicks;
    private long _version;

    public SocketHolderTable(TimeSpan graceDelay, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(graceDelay, TimeSpan.Zero);
        _time = time ?? TimeProvider.System;
        GraceDelay = graceDelay;
        _graceTicks = (long)(graceDelay.TotalSeconds * _time.TimestampFrequency);
    }

    public TimeSpan GraceDelay { get; }

    /// <summary>Called (on the writer thread) when a socket loses its last holder, grace delay included: its flows can be forgotten.</summary>
    public Action<ulong>? SocketForgotten { get; set; }

    /// <summary>Called (on the writer thread) after holders were published: deferred packets may be judged now.</summary>
    public Action? HoldersPublished { get; set; }

    /// <summary>Sockets with at least one holder (current or within the grace delay).</summary>
    public int SocketCount => _published.Count;

    /// <summary>Thread groups that hold at least one socket descriptor now.</summary>
    public IReadOnlyCollection<int> ThreadGroups => _descriptors.Keys;

    /// <summary>Moves after every change of a published set: unchanged, every <see cref="TryGetHolders"/> answers as before.</summary>
    public long Version => Volatile.Read(ref _version);

    /// <summary>The holders of socket <paramref name="inode"/>; any thread, lock-free.</summary>
    public bool TryGetHolders(ulong inode, out HolderSet holders) => _published.TryGetValue(inode, out holders!);

    /// <summary>The process holds at least one socket descriptor now (writer thread only).</summary>
    public bool HoldsSockets(int tgid) => _descriptors.ContainsKey(tgid);

    /// <summary>The socket descriptors of <paramref name="tgid"/> now (writer thread only).</summary>
    public IReadOnlyDictionary<int, ulong>? DescriptorsOf(int tgid) => _descriptors.GetValueOrDefault(tgid);

    /// <summary>Descriptor <paramref name="fd"/> now refers to socket <paramref name="inode"/>, replacing what it referred to.</summary>
    public void SetDescriptor(int tgid, int fd, ulong inode)
    {
        if (!_descriptors.TryGetValue(tgid, out Dictionary<int, ulong>? table))
            _descriptors.Add(tgid, table = []);
        table.TryGetValue(fd, out ulong previous);
        if (previous == inode && table.ContainsKey(fd))
            return;
        Acquire(tgid, inode);
        table[fd] = inode;
        if (previous != 0)
            Release(tgid, previous);
        Publish();
    }

    public void CloseDescriptor(int tgid, int fd)
    {
        if (!_descriptors.TryGetValue(tgid, out Dictionary<int, ulong>? table) || !table.Remove(fd, out ulong inode))
            return;
        Release(tgid, inode);
        ForgetIfEmpty(tgid, table);
        Publish();
    }

    /// <summary>close_range(first, last): every descriptor from <paramref name="first"/> to <paramref name="last"/> (unsigned, inclusive).</summary>
    public void CloseRange(int tgid, int first, int last)
    {
        if (!_descriptors.TryGetValue(tgid, out Dictionary<int, ulong>? table))
            return;
        _scratch.Clear();
        foreach (int fd in table.Keys)
        {
            if ((uint)fd >= (uint)first && (uint)fd <= (uint)last)
                _scratch.Add(fd);
        }
        foreach (int fd in _scratch)
        {
            table.Remove(fd, out ulong inode);
            Release(tgid, inode);
        }
        ForgetIfEmpty(tgid, table);
        Publish();
    }

    /// <summary>fork: the child starts with a copy of the parent's descriptor table (replacing anything known for it).</summary>
    public void Fork(int parent, int child)
    {
        if (parent == child)
            return;
        Dictionary<int, ulong>? copy = _descriptors.TryGetValue(parent, out Dictionary<int, ulong>? table) ? new(table) : null;
        _forks.Remove(child); // a new process: it has forked nothing yet (the probe clears its count at the fork)
        ReplaceWith(child, copy);
    }

    /// <summary>
    /// fork, from the FORK event: like <see cref="Fork(int, int)"/>, and the parent's sockets are published as
    /// accounting for its forks up to <paramref name="parentForks"/> (the event's count).
    /// </summary>
    public void Fork(int parent, int child, uint parentForks)
    {
        if (parent == child)
            return;
        SetForks(parent, parentForks, onlyForward: true);
        Fork(parent, child);
    }

    /// <summary>
    /// The children <paramref name="tgid"/> forked up to its <paramref name="forks"/>th are accounted for (their
    /// descriptors were read or copied); publishes its sockets with the count. <paramref name="onlyForward"/>: never
    /// lower what a later /proc read already stamped (an event older than the read).
    /// </summary>
    public void ApplyForks(int tgid, uint forks, bool onlyForward = true)
    {
        SetForks(tgid, forks, onlyForward);
        Publish();
    }

    /// <summary>The fork count the table accounts for of <paramref name="tgid"/> (writer thread only).</summary>
    public uint AppliedForks(int tgid) => _forks.GetValueOrDefault(tgid);

    private void SetForks(int tgid, uint forks, bool onlyForward)
    {
        _forks.TryGetValue(tgid, out uint current);
        if (current == forks || (onlyForward && (int)(forks - current) < 0))
            return;
        _forks[tgid] = forks;
        if (_descriptors.TryGetValue(tgid, out Dictionary<int, ulong>? table))
        {
            foreach (ulong inode in table.Values)
                _dirty.Add(inode);
        }
    }

    /// <summary>The process exited: each of its sockets keeps it as holder for the grace delay.</summary>
    public void RemoveProcess(int tgid)
    {
        _forks.Remove(tgid);
        ReplaceWith(tgid, null);
    }

    /// <summary>A fresh read of the process's descriptor table replaces what the table knew of it.</summary>
    public void ReplaceProcess(int tgid, IReadOnlyList<SocketDescriptor> sockets) => ReplaceProcess(tgid, sockets, null);

    /// <summary>
    /// A fresh read of the process's descriptor table replaces what the table knew of it; <paramref name="forks"/>: the
    /// process's fork count read BEFORE the descriptors were (every child forked by then shares what the read found).
    /// </summary>
    public void ReplaceProcess(int tgid, IReadOnlyList<SocketDescriptor> sockets, uint? forks)
    {
        ArgumentNullException.ThrowIfNull(sockets);
        if (forks is { } count)
            _forks[tgid] = count;
        Dictionary<int, ulong>? table = null;
        if (sockets.Count > 0)
        {
            table = new Dictionary<int, ulong>(sockets.Count);
            foreach (SocketDescriptor socket in sockets)
                table[socket.Fd] = socket.Inode;
        }
        ReplaceWith(tgid, table);
    }

    /// <summary>
    /// The socket was released by <paramref name="tgid"/> (it dropped the last reference: closed it or exited), so no
    /// descriptor refers to it any more: <paramref name="tgid"/> stays (or becomes) a departing holder for at least
    /// <paramref name="retention"/> (the grace delay when null). Covers a socket whose descriptor events were never
    /// seen (made before tracking began, or through io_uring), and a packet that waited longer than the grace delay:
    /// a released socket sends nothing more, so only packets queued before the release are judged by it.
    /// </summary>
    /// <returns>True when the holder set changed or its departure was postponed.</returns>
    public bool AddDeparted(int tgid, ulong inode, TimeSpan? retention = null)
    {
        if (tgid <= 0 || inode == 0)
            return false;
        if (_counts.TryGetValue(inode, out Dictionary<int, int>? counts) && counts.ContainsKey(tgid))
            return false;
        long ticks = retention is { } r && r > GraceDelay ? (long)(r.TotalSeconds * _time.TimestampFrequency) : _graceTicks;
        long due = _time.GetTimestamp() + ticks;
        if (!_departing.TryGetValue(inode, out Dictionary<int, long>? departing))
            _departing.Add(inode, departing = []);
        else if (departing.TryGetValue(tgid, out long current) && current >= due)
            return false;
        departing[tgid] = due;
        _expiries.Enqueue((inode, tgid), due);
        _dirty.Add(inode);
        Publish();
        return true;
    }

    /// <summary>Drops the holders whose grace delay has passed; returns the delay until the next one is due, if any.</summary>
    public TimeSpan? Expire()
    {
        long now = _time.GetTimestamp();
        while (_expiries.TryPeek(out (ulong Inode, int Tgid) entry, out long due))
        {
            if (due > now)
            {
                Publish();
                return TimeSpan.FromSeconds((due - now) / (double)_time.TimestampFrequency);
            }
            _expiries.Dequeue();
            if (_departing.TryGetValue(entry.Inode, out Dictionary<int, long>? departing) &&
                departing.TryGetValue(entry.Tgid, out long expiry) && expiry <= now)
            {
                departing.Remove(entry.Tgid);
                if (departing.Count == 0)
                    _departing.Remove(entry.Inode);
                _dirty.Add(entry.Inode);
            }
        }
        Publish();
        return null;
    }

    private void ReplaceWith(int tgid, Dictionary<int, ulong>? table)
    {
        // Acquire the new references before releasing the old, so a socket held throughout never looks dropped.
        if (table != null)
        {
            foreach (ulong inode in table.Values)
                Acquire(tgid, inode);
        }
        if (_descriptors.Remove(tgid, out Dictionary<int, ulong>? old))
        {
            foreach (ulong inode in old.Values)
                Release(tgid, inode);
        }
        if (table is { Count: > 0 })
        {
            _descriptors[tgid] = table;
            foreach (ulong inode in table.Values)
                _dirty.Add(inode); // its fork count may have changed
        }
        Publish();
    }

    private void Acquire(int tgid, ulong inode)
    {
        if (!_counts.TryGetValue(inode, out Dictionary<int, int>? counts))
            _counts.Add(inode, counts = []);
        counts.TryGetValue(tgid, out int count);
        counts[tgid] = count + 1;
        if (count == 0)
        {
            if (_departing.TryGetValue(inode, out Dictionary<int, long>? departing) && departing.Remove(tgid) && departing.Count == 0)
                _departing.Remove(inode);
            _dirty.Add(inode);
        }
    }

    private void Release(int tgid, ulong inode)
    {
        if (!_counts.TryGetValue(inode, out Dictionary<int, int>? counts) || !counts.TryGetValue(tgid, out int count))
            return;
        if (count > 1)
        {
            counts[tgid] = count - 1;
            return;
        }
        counts.Remove(tgid);
        if (counts.Count == 0)
            _counts.Remove(inode);
        long due = _time.GetTimestamp() + _graceTicks;
        if (!_departing.TryGetValue(inode, out Dictionary<int, long>? departing))
            _departing.Add(inode, departing = []);
        departing[tgid] = due;
        _expiries.Enqueue((inode, tgid), due);
        _dirty.Add(inode);
    }

    private void ForgetIfEmpty(int tgid, Dictionary<int, ulong> table)
    {
        if (table.Count == 0)
            _descriptors.Remove(tgid);
    }

    private void Publish()
    {
        bool published = false;
        foreach (ulong inode in _dirty)
        {
            _scratch.Clear();
            if (_counts.TryGetValue(inode, out Dictionary<int, int>? counts))
                _scratch.AddRange(counts.Keys);
            if (_departing.TryGetValue(inode, out Dictionary<int, long>? departing))
                _scratch.AddRange(departing.Keys);
            if (_scratch.Count == 0)
            {
                if (_published.TryRemove(inode, out _))
                {
                    Volatile.Write(ref _version, _version + 1);
                    SocketForgotten?.Invoke(inode);
                }
                continue;
            }
            _scratch.Sort();
            // Most events leave the set as it was (another descriptor to the same socket, a holder's other sockets):
            // compared before anything is allocated.
            if (_published.TryGetValue(inode, out HolderSet? current) && current.ThreadGroups.SequenceEqual(CollectionsMarshal.AsSpan(_scratch))
                && SameForks(current, counts))
                continue;
            int[] tgids = [.. _scratch];
            var forks = new ulong[tgids.Length];
            for (int i = 0; i < tgids.Length; i++)
                forks[i] = AppliedForks(tgids[i], counts);
            _published[inode] = new HolderSet(tgids, forks);
            Volatile.Write(ref _version, _version + 1);
            published = true;
        }
        _dirty.Clear();
        if (published)
            HoldersPublished?.Invoke();
    }

    private ulong AppliedForks(int tgid, Dictionary<int, int>? counts) =>
        counts is not null && counts.ContainsKey(tgid) ? _forks.GetValueOrDefault(tgid) : HolderSet.NotHolding;

    private bool SameForks(HolderSet current, Dictionary<int, int>? counts)
    {
        ReadOnlySpan<int> tgids = current.ThreadGroups;
        ReadOnlySpan<ulong> forks = current.AppliedForks;
        for (int i = 0; i < tgids.Length; i++)
        {
            if (forks[i] != AppliedForks(tgids[i], counts))
                return false;
        }
        return true;
    }
}
