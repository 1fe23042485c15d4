// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Daf.Interop.Namespaces;
using Daf.Interop.Posix;

namespace Daf.Interop.ProcNet;

/// <summary>
/// Finds ping and raw sockets of one network namespace through /proc/net/{icmp,icmp6,raw,raw6}, for which
/// sock_diag has no module here. One thread at a time (the attribution slow path).
/// </summary>
/// <remarks>
/// The four files are opened once, from a thread inside the namespace (/proc/thread-self/net/...): a /proc/net
/// file is bound to the namespace it was opened in for as long as it stays open, so later reads (pread from
/// offset 0, which restarts the kernel's seq_file walk) need no setns and no process that lives in the
/// namespace — /proc/PID/net would break when that PID exits or is reused.
/// Each table is read into a bounded snapshot (at most <c>maxEntriesPerTable</c> sockets; the rest is dropped
/// and <see cref="IsTruncated"/> says so). A snapshot younger than <c>maxSnapshotAge</c> answers lookups; a
/// miss re-reads the file unless the snapshot is younger than <c>minRefreshInterval</c>, so a flood of
/// lookups for sockets that do not exist costs at most one read per interval.
/// </remarks>
public sealed class ProcNetSocketReader : IDisposable
{
    private const int ChunkBytes = 16 * 1024;
    /// <summary>A socket line is under 200 bytes; reading stops (truncated) after this many bytes per kept entry.</summary>
    private const int MaxBytesPerEntry = 512;
    private static readonly string[] FileNames = ["icmp", "icmp6", "raw", "raw6"];

    private readonly ReadOnlyFile[] _files;
    private readonly Snapshot[] _snapshots;
    private readonly byte[] _chunk = new byte[ChunkBytes];
    private readonly long _maxAgeTicks;
    private readonly long _minRefreshTicks;

    private ProcNetSocketReader(ReadOnlyFile[] files, int maxEntriesPerTable, TimeSpan maxSnapshotAge, TimeSpan minRefreshInterval)
    {
        _files = files;
        _snapshots = new Snapshot[files.Length];
        for (int i = 0; i < _snapshots.Length; i++)
            _snapshots[i] = new Snapshot(maxEntriesPerTable);
        _maxAgeTicks = (long)(maxSnapshotAge.TotalSeconds * Stopwatch.Frequency);
        _minRefreshTicks = (long)(minRefreshInterval.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>File reads done so far (each a full walk of one table).</summary>
    public long Reads { get; private set; }

    /// <summary>Opens the tables of the calling thread's network namespace.</summary>
    /// <exception cref="PosixException">open failed (naming the file and errno).</exception>
    public static ProcNetSocketReader Open(int maxEntriesPerTable = 4096, TimeSpan? maxSnapshotAge = null, TimeSpan? minRefreshInterval = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntriesPerTable, 1);
        var files = new ReadOnlyFile[FileNames.Length];
        try
        {
            for (int i = 0; i < files.Length; i++)
            {
                string path = "/proc/thread-self/net/" + FileNames[i];
                if (!ReadOnlyFile.TryOpen(path, out ReadOnlyFile? file, out PosixError error))
                    throw new PosixException(error.Operation, error.Errno);
                files[i] = file!;
            }
        }
        catch
        {
            foreach (ReadOnlyFile? file in files)
                file?.Dispose();
            throw;
        }
        return new ProcNetSocketReader(files, maxEntriesPerTable, maxSnapshotAge ?? TimeSpan.FromSeconds(1),
            minRefreshInterval ?? TimeSpan.FromMilliseconds(5));
    }

    /// <summary>Opens the tables of the namespace at <paramref name="nsPath"/>.</summary>
    public static ProcNetSocketReader OpenIn(string nsPath, int maxEntriesPerTable = 4096, TimeSpan? maxSnapshotAge = null,
        TimeSpan? minRefreshInterval = null) =>
        NetworkNamespace.RunIn(nsPath, () => Open(maxEntriesPerTable, maxSnapshotAge, minRefreshInterval));

    /// <summary>True when the last read of <paramref name="table"/> held more sockets than the snapshot keeps.</summary>
    public bool IsTruncated(ProcNetSocketTable table) => _snapshots[(int)table].Truncated;

    /// <summary>
    /// The ping socket with echo identifier <paramref name="echoId"/> bound to <paramref name="local"/>, or else
    /// to the wildcard address (the kernel's ping_lookup prefers neither; a bound one is the more specific).
    /// </summary>
    public bool TryFindPing(bool ipv6, UInt128 local, ushort echoId, out ProcNetSocketEntry socket)
    {
        ProcNetSocketTable table = ipv6 ? ProcNetSocketTable.Icmp6 : ProcNetSocketTable.Icmp;
        Snapshot snapshot = Current(table);
        if (FindPing(snapshot, ipv6, local, echoId, out socket))
            return true;
        return Refresh(table, force: false) && FindPing(_snapshots[(int)table], ipv6, local, echoId, out socket);
    }

    /// <summary>
    /// Raw sockets that may have sent or may receive a packet of <paramref name="protocol"/> at
    /// <paramref name="local"/>: those opened with that protocol (or IPPROTO_RAW, which sends any) and bound to
    /// that address or to none. Several may match — every raw socket of a protocol receives a copy of each
    /// packet — so all are returned: up to <paramref name="matches"/>.Length are written, the total is returned.
    /// </summary>
    public int FindRaw(bool ipv6, byte protocol, UInt128 local, Span<ProcNetSocketEntry> matches)
    {
        ProcNetSocketTable table = ipv6 ? ProcNetSocketTable.Raw6 : ProcNetSocketTable.Raw;
        int found = FindRaw(Current(table), ipv6, protocol, local, matches);
        if (found == 0 && Refresh(table, force: false))
            found = FindRaw(_snapshots[(int)table], ipv6, protocol, local, matches);
        return found;
    }

    private Snapshot Current(ProcNetSocketTable table)
    {
        Snapshot snapshot = _snapshots[(int)table];
        if (snapshot.ReadAt == 0 || Stopwatch.GetTimestamp() - snapshot.ReadAt > _maxAgeTicks)
            Refresh(table, force: true);
        return snapshot;
    }

    private static bool FindPing(Snapshot snapshot, bool ipv6, UInt128 local, ushort echoId, out ProcNetSocketEntry socket)
    {
        UInt128 wildcard = Wildcard(ipv6);
        socket = default;
        bool found = false;
        foreach (ref readonly ProcNetSocketEntry entry in snapshot.Entries)
        {
            if (entry.LocalPort != echoId)
                continue;
            if (entry.LocalAddress == local)
            {
                socket = entry;
                return true;
            }
            if (entry.LocalAddress == wildcard && !found)
            {
                socket = entry;
                found = true;
            }
        }
        return found;
    }

    private static int FindRaw(Snapshot snapshot, bool ipv6, byte protocol, UInt128 local, Span<ProcNetSocketEntry> matches)
    {
        UInt128 wildcard = Wildcard(ipv6);
        const byte IPPROTO_RAW = 255;
        int found = 0;
        foreach (ref readonly ProcNetSocketEntry entry in snapshot.Entries)
        {
            if ((entry.LocalPort != protocol && entry.LocalPort != IPPROTO_RAW)
                || (entry.LocalAddress != local && entry.LocalAddress != wildcard))
                continue;
            if (found < matches.Length)
                matches[found] = entry;
            found++;
        }
        return found;
    }

    /// <summary>IPv4 tables store the wildcard 0.0.0.0 IPv4-mapped.</summary>
    private static UInt128 Wildcard(bool ipv6) => ipv6 ? 0 : Packets.PacketHeaderParser.MapIpv4(0);

    /// <summary>Re-reads the table; false when skipped because the snapshot is younger than the minimum interval.</summary>
    private bool Refresh(ProcNetSocketTable table, bool force)
    {
        Snapshot snapshot = _snapshots[(int)table];
        long now = Stopwatch.GetTimestamp();
        if (!force && now - snapshot.ReadAt < _minRefreshTicks)
            return false;
        bool ipv6 = table is ProcNetSocketTable.Icmp6 or ProcNetSocketTable.Raw6;
        snapshot.Count = 0;
        snapshot.Truncated = false;
        ReadOnlyFile file = _files[(int)table];
        long offset = 0;
        int kept = 0;
        while (true)
        {
            int read = file.ReadAt(_chunk.AsSpan(kept), offset);
            if (read <= 0)
                break;
            offset += read;
            int filled = kept + read;
            int consumed = ParseLines(_chunk.AsSpan(0, filled), ipv6, snapshot);
            if (consumed == 0 && filled == _chunk.Length)
                consumed = filled; // a line longer than the chunk is not a socket line: drop it
            kept = filled - consumed;
            _chunk.AsSpan(consumed, kept).CopyTo(_chunk);
            if (offset > (long)snapshot.Buffer.Length * MaxBytesPerEntry)
                snapshot.Truncated = true;
            if (snapshot.Truncated)
                break;
        }
        if (kept > 0 && !snapshot.Truncated)
            ParseLine(_chunk.AsSpan(0, kept), ipv6, snapshot);
        snapshot.ReadAt = Stopwatch.GetTimestamp();
        Reads++;
        return true;
    }

    /// <summary>Parses the complete lines of <paramref name="text"/> into the snapshot; returns the bytes consumed.</summary>
    internal static int ParseLines(ReadOnlySpan<byte> text, bool ipv6, Snapshot snapshot)
    {
        int consumed = 0;
        while (true)
        {
            int end = text[consumed..].IndexOf((byte)'\n');
            if (end < 0)
                return consumed;
            ParseLine(text.Slice(consumed, end), ipv6, snapshot);
            consumed += end + 1;
            if (snapshot.Truncated)
                return consumed;
        }
    }

    private static void ParseLine(ReadOnlySpan<byte> line, bool ipv6, Snapshot snapshot)
    {
        if (!ProcNetSocketLine.TryParse(line, ipv6, out ProcNetSocketEntry entry))
            return;
        if (snapshot.Count == snapshot.Buffer.Length)
        {
            snapshot.Truncated = true;
            return;
        }
        snapshot.Buffer[snapshot.Count++] = entry;
    }

    public void Dispose()
    {
        foreach (ReadOnlyFile file in _files)
            file.Dispose();
    }

    internal sealed class Snapshot(int capacity)
    {
        public readonly ProcNetSocketEntry[] Buffer = new ProcNetSocketEntry[capacity];
        public int Count;
        public bool Truncated;
        public long ReadAt;

        public ReadOnlySpan<ProcNetSocketEntry> Entries => Buffer.AsSpan(0, Count);
    }
}
