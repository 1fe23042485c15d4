// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Interop.Bpf;

/// <summary>
/// struct daf_image_object of bpf/daf_events.h: one executable mapping's object, named by the five values a digest is
/// cached under (device as st_dev, inode, size, modification and change times in nanoseconds).
/// </summary>
public readonly record struct ImageObject(ulong Inode, long Size, long ModifiedTimeNs, long ChangedTimeNs, uint Device, uint Flags)
{
    /// <summary>sizeof(struct daf_image_object).</summary>
    public const int EncodedSize = 40;

    public const uint DAF_IMAGE_OBJECT_ANONYMOUS = 1, DAF_IMAGE_OBJECT_WRITABLE = 2;

    /// <summary>Executable memory backed by no file: nothing to hash.</summary>
    public bool Anonymous => (Flags & DAF_IMAGE_OBJECT_ANONYMOUS) != 0;

    /// <summary>Mapped writable and executable: the code can differ from the file.</summary>
    public bool Writable => (Flags & DAF_IMAGE_OBJECT_WRITABLE) != 0;

    /// <summary>Reads one object; <paramref name="bytes"/> holds at least <see cref="EncodedSize"/> bytes.</summary>
    public static ImageObject Read(ReadOnlySpan<byte> bytes) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(bytes),
        BinaryPrimitives.ReadInt64LittleEndian(bytes[8..]),
        BinaryPrimitives.ReadInt64LittleEndian(bytes[16..]),
        BinaryPrimitives.ReadInt64LittleEndian(bytes[24..]),
        BinaryPrimitives.ReadUInt32LittleEndian(bytes[32..]),
        BinaryPrimitives.ReadUInt32LittleEndian(bytes[36..]));
}
