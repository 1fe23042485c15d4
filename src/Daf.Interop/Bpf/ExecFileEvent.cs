// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using System.Text;

namespace Daf.Interop.Bpf;

/// <summary>
/// struct daf_exec_file_event of bpf/daf_events.h: process <see cref="Pid"/> exec'd <see cref="Object"/>, by
/// <see cref="Path"/> as exec was given it (relative to the caller's directory, in the caller's mount namespace, or
/// /dev/fd/N: only a file whose identity still matches <see cref="Object"/> may be taken for it).
/// </summary>
public sealed record ExecFileEvent(uint Pid, ulong TimestampNanoseconds, ImageObject Object, string? Path)
{
    public const int PathMax = 256;

    /// <summary>sizeof(struct daf_exec_file_event).</summary>
    public const int Size = BpfEventHeader.Size + ImageObject.EncodedSize + 8 + PathMax;

    /// <summary>Parses one ring-buffer record (allocates the path); false when it is not a well-formed exec file event. Never throws.</summary>
    public static bool TryRead(ReadOnlySpan<byte> record, out ExecFileEvent? execFile)
    {
        execFile = null;
        if (!BpfEventHeader.TryRead(record, out BpfEventHeader header) || header.Kind != BpfEventKind.ExecFile
            || header.Length < Size || record.Length < Size)
            return false;
        ReadOnlySpan<byte> body = record[BpfEventHeader.Size..];
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(body[ImageObject.EncodedSize..]);
        if (length >= PathMax)
            return false;
        ReadOnlySpan<byte> path = body.Slice(ImageObject.EncodedSize + 8, (int)length);
        execFile = new ExecFileEvent(header.Pid, header.TimestampNanoseconds, ImageObject.Read(body),
            length == 0 || path.IndexOf((byte)0) >= 0 ? null : Encoding.UTF8.GetString(path));
        return true;
    }
}
