// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Interop.Bpf;

/// <summary>struct daf_mapping_event of bpf/daf_events.h: executable memory was mapped, or memory unmapped.</summary>
public readonly record struct MappingEvent(
    BpfEventKind Kind,
    uint Pid,
    ulong TimestampNanoseconds,
    uint ThreadId,
    uint Protection,
    ulong Start,
    ulong Length,
    ulong Inode,
    uint Device,
    uint Flags)
{
    /// <summary>sizeof(struct daf_mapping_event).</summary>
    public const int Size = BpfEventHeader.Size + 40;

    public const uint DAF_MAPPING_FILE = 1, DAF_MAPPING_MPROTECT = 2;

    public bool IsFileBacked => (Flags & DAF_MAPPING_FILE) != 0;

    public static bool IsMappingKind(BpfEventKind kind) => kind is BpfEventKind.ExecMapped or BpfEventKind.Unmapped;

    /// <summary>Parses one ring-buffer record; false when it is not a well-formed mapping event. Never throws.</summary>
    public static bool TryRead(ReadOnlySpan<byte> record, out MappingEvent mappingEvent)
    {
        mappingEvent = default;
        if (!BpfEventHeader.TryRead(record, out BpfEventHeader header) || !IsMappingKind(header.Kind)
            || header.Length < Size || record.Length < Size)
            return false;
        ReadOnlySpan<byte> body = record[BpfEventHeader.Size..];
        mappingEvent = new MappingEvent(
            header.Kind,
            header.Pid,
            header.TimestampNanoseconds,
            BinaryPrimitives.ReadUInt32LittleEndian(body),
            BinaryPrimitives.ReadUInt32LittleEndian(body[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(body[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(body[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(body[24..]),
            BinaryPrimitives.ReadUInt32LittleEndian(body[32..]),
            BinaryPrimitives.ReadUInt32LittleEndian(body[36..]));
        return true;
    }
}
