// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using Daf.Interop.Packets;

namespace Daf.Interop.ProcNet;

/// <summary>
/// Parses one line of /proc/net/{icmp,raw}[6]:
/// <c>sl: LOCAL:PORT REMOTE:PORT st tx:rx tr:when retrnsmt uid timeout inode ...</c>, addresses as the kernel's
/// in-memory 32-bit words printed %08X (host byte order). Never throws: a header line or anything malformed
/// returns false.
/// </summary>
public static class ProcNetSocketLine
{
    private const int UidField = 7, InodeField = 9;

    public static bool TryParse(ReadOnlySpan<byte> line, bool ipv6, out ProcNetSocketEntry entry)
    {
        entry = default;
        var fields = new FieldReader(line);
        if (!fields.TryNext(out ReadOnlySpan<byte> slot) || slot.Length < 2 || slot[^1] != (byte)':'
            || !TryParseHex(slot[..^1], 8, out _))
            return false;
        if (!fields.TryNext(out ReadOnlySpan<byte> local) || !TryParseEndpoint(local, ipv6, out UInt128 la, out ushort lp)
            || !fields.TryNext(out ReadOnlySpan<byte> remote) || !TryParseEndpoint(remote, ipv6, out UInt128 ra, out ushort rp)
            || !fields.TryNext(out ReadOnlySpan<byte> state) || state.Length != 2 || !TryParseHex(state, 2, out ulong st))
            return false;
        ulong uid = 0, inode = 0;
        for (int index = 4; index <= InodeField; index++)
        {
            if (!fields.TryNext(out ReadOnlySpan<byte> field))
                return false;
            if (index == UidField && !TryParseDecimal(field, uint.MaxValue, out uid))
                return false;
            if (index == InodeField && !TryParseDecimal(field, ulong.MaxValue, out inode))
                return false;
        }
        entry = new ProcNetSocketEntry(la, lp, ra, rp, (byte)st, (uint)uid, inode);
        return true;
    }

    private static bool TryParseEndpoint(ReadOnlySpan<byte> text, bool ipv6, out UInt128 address, out ushort port)
    {
        address = 0;
        port = 0;
        int hexDigits = ipv6 ? 32 : 8;
        if (text.Length != hexDigits + 5 || text[hexDigits] != (byte)':' || !TryParseHex(text[(hexDigits + 1)..], 4, out ulong p))
            return false;
        port = (ushort)p;
        Span<byte> bytes = stackalloc byte[16];
        for (int word = 0; word < hexDigits / 8; word++)
        {
            if (!TryParseHex(text.Slice(word * 8, 8), 8, out ulong value))
                return false;
            // The kernel printed the word as it sits in memory; store those bytes in network order.
            if (BitConverter.IsLittleEndian)
                BinaryPrimitives.WriteUInt32LittleEndian(bytes[(word * 4)..], (uint)value);
            else
                BinaryPrimitives.WriteUInt32BigEndian(bytes[(word * 4)..], (uint)value);
        }
        address = ipv6 ? BinaryPrimitives.ReadUInt128BigEndian(bytes) : PacketHeaderParser.MapIpv4(BinaryPrimitives.ReadUInt32BigEndian(bytes));
        return true;
    }

    private static bool TryParseHex(ReadOnlySpan<byte> text, int maxDigits, out ulong value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > maxDigits)
            return false;
        foreach (byte c in text)
        {
            int digit = c switch
            {
                >= (byte)'0' and <= (byte)'9' => c - '0',
                >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
                >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
                _ => -1,
            };
            if (digit < 0)
                return false;
            value = (value << 4) | (uint)digit;
        }
        return true;
    }

    private static bool TryParseDecimal(ReadOnlySpan<byte> text, ulong max, out ulong value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 20)
            return false;
        foreach (byte c in text)
        {
            if (c is < (byte)'0' or > (byte)'9')
                return false;
            ulong digit = (ulong)(c - '0');
            if (value > (max - digit) / 10)
                return false;
            value = value * 10 + digit;
        }
        return true;
    }

    private ref struct FieldReader(ReadOnlySpan<byte> line)
    {
        private ReadOnlySpan<byte> _rest = line;

        public bool TryNext(out ReadOnlySpan<byte> field)
        {
            int start = 0;
            while (start < _rest.Length && _rest[start] == (byte)' ')
                start++;
            _rest = _rest[start..];
            int end = _rest.IndexOf((byte)' ');
            if (end < 0)
                end = _rest.Length;
            field = _rest[..end];
            _rest = _rest[end..];
            return !field.IsEmpty;
        }
    }
}
