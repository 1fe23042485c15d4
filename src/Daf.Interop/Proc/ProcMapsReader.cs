// SPDX-License-Identifier: Apache-2.0
using System.Buffers;

namespace Daf.Interop.Proc;

/// <summary>
/// Reads /proc/PID/maps line by line with one pooled buffer of fixed size, treating the text as hostile:
/// a malformed line, a line longer than the buffer and an unterminated last line are skipped and counted
/// (<see cref="MalformedLines"/>), never thrown; after <see cref="MaxLines"/> lines (well-formed or not) it
/// stops and sets <see cref="Truncated"/> if anything was left. Memory stays at one buffer whatever the input.
/// </summary>
public sealed class ProcMapsReader : IDisposable
{
    /// <summary>Just above the kernel's default vm.max_map_count (65,530).</summary>
    public const int DefaultMaxLines = 65_536;

    /// <summary>The longest line kept; the kernel's own lines are at most ~4,200 bytes for a PATH_MAX path.</summary>
    public const int DefaultMaxLineLength = 64 * 1024;

    private readonly Func<Span<byte>, int> _read;
    private readonly IDisposable? _owner;
    private readonly int _capacity;
    private byte[]? _buffer;
    private int _start, _end, _discardedBuffers;
    private bool _endOfInput, _discardingLongLine;

    /// <param name="read">Fills the span and returns the byte count, 0 at the end (e.g. read(2) of the maps file).</param>
    /// <param name="owner">Disposed with the reader (the open maps file).</param>
    public ProcMapsReader(Func<Span<byte>, int> read, IDisposable? owner = null,
        int maxLines = DefaultMaxLines, int maxLineLength = DefaultMaxLineLength)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLines, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineLength, 64);
        _read = read;
        _owner = owner;
        MaxLines = maxLines;
        _capacity = maxLineLength + 1;
        _buffer = ArrayPool<byte>.Shared.Rent(_capacity);
    }

    public int MaxLines { get; }

    /// <summary>Well-formed lines returned so far.</summary>
    public int Mappings { get; private set; }

    /// <summary>Lines skipped: malformed, longer than the buffer, or cut off at the end of the input.</summary>
    public int MalformedLines { get; private set; }

    /// <summary>Reading stopped at <see cref="MaxLines"/> with input left over.</summary>
    public bool Truncated { get; private set; }

    /// <summary>
    /// The next well-formed line; false at the end of the input or at the line cap. The entry's path points
    /// into this reader's buffer and is valid until the next call.
    /// </summary>
    /// <exception cref="Daf.Interop.Posix.PosixException">The read function failed.</exception>
    public bool TryReadNext(out ProcMapsEntry entry)
    {
        byte[] buffer = _buffer ?? throw new ObjectDisposedException(nameof(ProcMapsReader));
        entry = default;
        while (true)
        {
            if (Mappings + MalformedLines + _discardedBuffers >= MaxLines)
            {
                Truncated = _start < _end || (!_endOfInput && Fill(buffer));
                return false;
            }
            int newline = buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                ReadOnlySpan<byte> line = buffer.AsSpan(_start, newline);
                _start += newline + 1;
                if (_discardingLongLine)
                    _discardingLongLine = false;
                else if (ProcMapsEntry.TryParse(line, out entry))
                {
                    Mappings++;
                    return true;
                }
                else
                    MalformedLines++;
                continue;
            }
            if (_endOfInput)
            {
                // The kernel ends every line with '\n': an unterminated tail is a cut-off line.
                if (_start < _end && !_discardingLongLine)
                    MalformedLines++;
                _start = _end;
                _discardingLongLine = false;
                return false;
            }
            if (_start == 0 && _end == _capacity)
            {
                // A line longer than the buffer: count it once, drop its bytes until its newline.
                // Every discarded buffer counts toward the cap, so endless input without a newline ends too.
                if (_discardingLongLine)
                    _discardedBuffers++;
                else
                    MalformedLines++;
                _discardingLongLine = true;
                _end = 0;
            }
            Fill(buffer);
        }
    }

    /// <summary>Moves the unread tail to the front and reads more; false when the input has ended.</summary>
    private bool Fill(byte[] buffer)
    {
        if (_start > 0)
        {
            buffer.AsSpan(_start, _end - _start).CopyTo(buffer);
            _end -= _start;
            _start = 0;
        }
        int count = _read(buffer.AsSpan(_end, _capacity - _end));
        if (count <= 0)
        {
            _endOfInput = true;
            return false;
        }
        _end += Math.Min(count, _capacity - _end);
        return true;
    }

    public void Dispose()
    {
        byte[]? buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer != null)
            ArrayPool<byte>.Shared.Return(buffer);
        _owner?.Dispose();
    }
}
