// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Interop.Bpf;

/// <summary>struct daf_event_header of bpf/daf_events.h: the 16 bytes every ring-buffer event starts with.</summary>
public readonly record struct BpfEventHeader(BpfEventKind Kind, ushort Length, uint Pid, ulong TimestampNanoseconds)
{
    public const int Size = 16;

    /// <summary>
    /// Reads the header of <paramref name="record"/>; false when the record is shorter than a header or than the
    /// length it claims. Unknown kinds are returned as they are (skip them by <see cref="Length"/>).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> record, out BpfEventHeader header)
    {
        header = default;
        if (record.Length < Size)
            return false;
        ushort length = BinaryPrimitives.ReadUInt16LittleEndian(record[2..]);
        if (length < Size || length > record.Length)
            return false;
        header = new BpfEventHeader(
            (BpfEventKind)BinaryPrimitives.ReadUInt16LittleEndian(record),
            length,
            BinaryPrimitives.ReadUInt32LittleEndian(record[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(record[8..]));
        return true;
    }
}
