// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Interop.Bpf;

/// <summary>
/// struct daf_fd_event of bpf/daf_events.h: a descriptor of process <see cref="Pid"/> now refers to a
/// socket, was closed, a range was closed, or descriptors may have arrived over SCM_RIGHTS.
/// </summary>
public readonly record struct DescriptorEvent(
    BpfEventKind Kind,
    uint Pid,
    ulong TimestampNanoseconds,
    uint ThreadId,
    int Fd,
    int FdLast,
    ulong Inode,
    ulong Cookie)
{
    /// <summary>sizeof(struct daf_fd_event).</summary>
    public const int Size = BpfEventHeader.Size + 32;

    public static bool IsDescriptorKind(BpfEventKind kind) =>
        kind is BpfEventKind.FdSocket or BpfEventKind.FdClosed or BpfEventKind.FdRangeClosed or BpfEventKind.FdsReceived;

    /// <summary>Parses one ring-buffer record; false when it is not a well-formed descriptor event. Never throws.</summary>
    public static bool TryRead(ReadOnlySpan<byte> record, out DescriptorEvent descriptorEvent)
    {
        descriptorEvent = default;
        if (!BpfEventHeader.TryRead(record, out BpfEventHeader header) || !IsDescriptorKind(header.Kind)
            || header.Length < Size || record.Length < Size)
            return false;
        ReadOnlySpan<byte> body = record[BpfEventHeader.Size..];
        descriptorEvent = new DescriptorEvent(
            header.Kind,
            header.Pid,
            header.TimestampNanoseconds,
            BinaryPrimitives.ReadUInt32LittleEndian(body),
            BinaryPrimitives.ReadInt32LittleEndian(body[4..]),
            BinaryPrimitives.ReadInt32LittleEndian(body[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(body[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(body[24..]));
        return true;
    }
}
