// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Signatures;

/// <summary>
/// The anti-replay sliding window of RFC 4303 §3.4.3 over one signer's 64-bit counters: the highest counter
/// accepted so far and a bitmap of the <see cref="Size"/> counters up to it. A counter is fresh when it is above
/// the highest, or within the window and not yet marked. Callers check before the MAC and mark only after it
/// verified (so forged packets cannot move the window). Not thread-safe: <see cref="PacketVerifier"/> locks.
/// </summary>
public sealed class ReplayWindow
{
    private readonly ulong[] _bitmap;
    private ulong _highest;
    private bool _any;

    /// <param name="size">Window size in counters: a positive multiple of 64.</param>
    public ReplayWindow(int size)
    {
        if (size <= 0 || size % 64 != 0)
            throw new ArgumentOutOfRangeException(nameof(size), size, "the replay window is a positive multiple of 64 counters");
        Size = size;
        _bitmap = new ulong[size / 64];
    }

    public int Size { get; }

    /// <summary>The highest counter marked so far (0 before any).</summary>
    public ulong Highest => _highest;

    /// <summary>Environment.TickCount64 of the last <see cref="TryMark"/> that moved or filled the window.</summary>
    public long LastMarkedTicks { get; private set; }

    /// <summary>True when <paramref name="counter"/> would be accepted now.</summary>
    public bool IsFresh(ulong counter)
    {
        if (!_any || counter > _highest)
            return true;
        if (_highest - counter >= (ulong)Size)
            return false;
        return (_bitmap[Word(counter)] & Bit(counter)) == 0;
    }

    /// <summary>Marks <paramref name="counter"/> as seen; false (nothing changed) when it was not fresh.</summary>
    public bool TryMark(ulong counter)
    {
        if (!IsFresh(counter))
            return false;
        if (!_any || counter > _highest)
        {
            ulong advance = _any ? counter - _highest : ulong.MaxValue;
            if (advance >= (ulong)Size)
                Array.Clear(_bitmap);
            else
                for (ulong c = _highest + 1; c < counter; c++)
                    _bitmap[Word(c)] &= ~Bit(c);
            _highest = counter;
            _any = true;
        }
        _bitmap[Word(counter)] |= Bit(counter);
        LastMarkedTicks = Environment.TickCount64;
        return true;
    }

    private int Word(ulong counter) => (int)(counter % (ulong)Size / 64);
    private static ulong Bit(ulong counter) => 1UL << (int)(counter % 64);
}
