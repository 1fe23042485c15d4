// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using Daf.Interop.Bpf;

namespace Daf.Interop.Tests.Bpf;

/// <summary>Builds ring-buffer records byte by byte, as the probe lays them out.</summary>
internal static class EventRecord
{
    /// <summary>A zeroed record of at least <paramref name="size"/> bytes whose header claims <paramref name="length"/>.</summary>
    public static byte[] WithHeader(int size, ushort kind, ushort length, uint pid, ulong timestamp)
    {
        byte[] bytes = new byte[Math.Max((int)length, size)];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, kind);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), length);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), pid);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), timestamp);
        return bytes;
    }

    public static Span<byte> Body(byte[] record) => record.AsSpan(BpfEventHeader.Size);
}
