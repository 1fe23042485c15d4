// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Interop.Bpf;

/// <summary>
/// struct daf_exit_image_event of bpf/daf_events.h: what process <see cref="Pid"/> (which had made an inet socket) had
/// mapped executable when it exited, read in the kernel before its address space went. Only a <see cref="Complete"/>
/// list names all of its executable objects.
/// </summary>
public sealed record ExitImageEvent(uint Pid, ulong TimestampNanoseconds, uint Flags, IReadOnlyList<ImageObject> Objects)
{
    public const int MaxObjects = 32;

    /// <summary>sizeof(struct daf_exit_image_event).</summary>
    public const int Size = BpfEventHeader.Size + 8 + MaxObjects * ImageObject.EncodedSize;

    public const uint DAF_EXIT_IMAGE_TRUNCATED = 1, DAF_EXIT_IMAGE_UNAVAILABLE = 2;

    public const int DAF_EXIT_IMAGE_ERRNO_SHIFT = 8;

    /// <summary>
    /// With <see cref="DAF_EXIT_IMAGE_UNAVAILABLE"/>: the errno the probe's bpf_iter_task_vma_new failed with (EBUSY: mmap_lock
    /// contended; ENOENT: no address space; ENOMEM), 0 when it listed no executable mapping at all.
    /// </summary>
    public int UnavailableErrno => (int)((Flags >> DAF_EXIT_IMAGE_ERRNO_SHIFT) & 0xff);

    /// <summary>Every executable mapping is listed (none left out, the address space was read).</summary>
    public bool Complete => (Flags & (DAF_EXIT_IMAGE_TRUNCATED | DAF_EXIT_IMAGE_UNAVAILABLE)) == 0 && Objects.Count > 0;

    /// <summary>Parses one ring-buffer record (allocates the object list); false when it is not a well-formed exit image. Never throws.</summary>
    public static bool TryRead(ReadOnlySpan<byte> record, out ExitImageEvent? exitImage)
    {
        exitImage = null;
        if (!BpfEventHeader.TryRead(record, out BpfEventHeader header) || header.Kind != BpfEventKind.ExitImage
            || header.Length < Size || record.Length < Size)
            return false;
        ReadOnlySpan<byte> body = record[BpfEventHeader.Size..];
        uint count = BinaryPrimitives.ReadUInt32LittleEndian(body);
        if (count > MaxObjects)
            return false;
        var objects = new ImageObject[count];
        for (int i = 0; i < objects.Length; i++)
            objects[i] = ImageObject.Read(body[(8 + i * ImageObject.EncodedSize)..]);
        exitImage = new ExitImageEvent(header.Pid, header.TimestampNanoseconds, BinaryPrimitives.ReadUInt32LittleEndian(body[4..]), objects);
        return true;
    }
}
