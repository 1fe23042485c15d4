// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;
using Daf.Interop.Posix;

namespace Daf.Actors.Identity;

/// <summary>
/// SHA-256 of mapped objects, cached by <see cref="ObjectKey"/> (device, inode, size, mtime, ctime) so a
/// changed file is hashed again, and bounded to <see cref="Capacity"/> entries (least recently used leaves
/// first). Thread-safe: scanner actors share one instance. Hashing runs outside the lock; two threads that miss
/// on the same object both hash it and the entry is stored once. Failures are not cached.
/// </summary>
public sealed class ObjectDigestCache
{
    public const int DefaultCapacity = 4096;

    /// <summary>1 GiB: about half a second of SHA-256; a bigger executable object is reported unhashable.</summary>
    public const long DefaultMaxObjectSize = 1L << 30;

    private readonly Lock _lock = new();
    private readonly Dictionary<ObjectKey, LinkedListNode<KeyValuePair<ObjectKey, Sha256Digest>>> _entries = [];
    private readonly LinkedList<KeyValuePair<ObjectKey, Sha256Digest>> _recency = new();
    private long _hits, _misses, _evictions, _bytesHashed;

    public ObjectDigestCache(int capacity = DefaultCapacity, long maxObjectSize = DefaultMaxObjectSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(maxObjectSize);
        Capacity = capacity;
        MaxObjectSize = maxObjectSize;
    }

    public int Capacity { get; }
    public long MaxObjectSize { get; }

    public int Count
    {
        get
        {
            lock (_lock)
                return _entries.Count;
        }
    }

    /// <summary>Lookups answered from the cache.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Lookups that had to hash (successfully or not).</summary>
    public long Misses => Interlocked.Read(ref _misses);

    public long Evictions => Interlocked.Read(ref _evictions);

    public long BytesHashed => Interlocked.Read(ref _bytesHashed);

    /// <summary>Digests stored so far: changes whenever the cache learns an object (an exit list waits on it).</summary>
    public long Learnt => Interlocked.Read(ref _learnt);

    private long _learnt;

    /// <summary>Time spent hashing (the misses), summed over all threads.</summary>
    public TimeSpan HashingTime => System.Diagnostics.Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _hashingTicks));

    private long _hashingTicks;

    /// <summary>The digest of the open file's current content: from the cache when its key is known, else hashed.</summary>
    public ObjectDigestResult GetOrCompute(ReadOnlyFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!file.TryGetStatus(out FileStatus status, out PosixError error))
            return ObjectDigestResult.Failure(error.ToString());
        if (TryGet(ObjectKey.From(status), out Sha256Digest cached))
            return ObjectDigestResult.Success(cached);

        Interlocked.Increment(ref _misses);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        ObjectDigestResult result = ObjectHasher.Hash(file, ref status, MaxObjectSize, out long bytesHashed);
        Interlocked.Add(ref _hashingTicks, System.Diagnostics.Stopwatch.GetTimestamp() - started);
        Interlocked.Add(ref _bytesHashed, bytesHashed);
        if (result.Digest is { } digest)
            Add(ObjectKey.From(status), digest);
        return result;
    }

    /// <summary>The cached digest of <paramref name="key"/>, marking it recently used.</summary>
    public bool TryGet(ObjectKey key, out Sha256Digest digest)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                _hits++;
                digest = node.Value.Value;
                return true;
            }
        }
        digest = default;
        return false;
    }

    private void Add(ObjectKey key, Sha256Digest digest)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var existing))
            {
                _recency.Remove(existing);
                _entries.Remove(key);
            }
            _entries.Add(key, _recency.AddFirst(new KeyValuePair<ObjectKey, Sha256Digest>(key, digest)));
            Interlocked.Increment(ref _learnt);
            while (_entries.Count > Capacity)
            {
                LinkedListNode<KeyValuePair<ObjectKey, Sha256Digest>> oldest = _recency.Last!;
                _recency.RemoveLast();
                _entries.Remove(oldest.Value.Key);
                _evictions++;
            }
        }
    }
}
