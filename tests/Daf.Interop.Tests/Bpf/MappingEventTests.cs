// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using Daf.Interop.Bpf;

namespace Daf.Interop.Tests.Bpf;

public sealed class MappingEventTests
{
    private static byte[] Record(ushort kind, uint pid, uint tid, uint prot, ulong start, ulong length, ulong inode,
        uint device, uint flags, ushort recordLength = MappingEvent.Size)
    {
        byte[] bytes = EventRecord.WithHeader(MappingEvent.Size, kind, recordLength, pid, 99);
        Span<byte> body = EventRecord.Body(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(body, tid);
        BinaryPrimitives.WriteUInt32LittleEndian(body[4..], prot);
        BinaryPrimitives.WriteUInt64LittleEndian(body[8..], start);
        BinaryPrimitives.WriteUInt64LittleEndian(body[16..], length);
        BinaryPrimitives.WriteUInt64LittleEndian(body[24..], inode);
        BinaryPrimitives.WriteUInt32LittleEndian(body[32..], device);
        BinaryPrimitives.WriteUInt32LittleEndian(body[36..], flags);
        return bytes;
    }

    [Fact]
    public void A_file_backed_mapping_is_read_field_by_field()
    {
        byte[] bytes = Record(32, 10, 11, 5, 0x7f00_1234_5000, 0x2000, 0x1_2345_6789, 0xfe00, MappingEvent.DAF_MAPPING_FILE);
        Assert.True(MappingEvent.TryRead(bytes, out MappingEvent e));
        Assert.Equal((BpfEventKind.ExecMapped, 10u, 99UL, 11u, 5u, 0x7f00_1234_5000UL, 0x2000UL, 0x1_2345_6789UL, 0xfe00u),
            (e.Kind, e.Pid, e.TimestampNanoseconds, e.ThreadId, e.Protection, e.Start, e.Length, e.Inode, e.Device));
        Assert.True(e.IsFileBacked);
    }

    [Fact]
    public void An_anonymous_mprotect_is_not_file_backed()
    {
        Assert.True(MappingEvent.TryRead(Record(32, 1, 1, 5, 0x1000, 0x1000, 0, 0, MappingEvent.DAF_MAPPING_MPROTECT), out MappingEvent e));
        Assert.False(e.IsFileBacked);
        Assert.Equal(MappingEvent.DAF_MAPPING_MPROTECT, e.Flags);
    }

    [Fact]
    public void An_unmapping_is_a_mapping_event_and_descriptor_kinds_are_not()
    {
        Assert.True(MappingEvent.TryRead(Record(33, 1, 1, 0, 0x1000, 0x3000, 0, 0, 0), out MappingEvent e));
        Assert.Equal((BpfEventKind.Unmapped, 0x3000UL), (e.Kind, e.Length));
        Assert.False(MappingEvent.TryRead(Record(16, 1, 1, 0, 0, 0, 0, 0, 0), out _));
    }

    [Theory]
    [InlineData(MappingEvent.Size - 1)]
    [InlineData(BpfEventHeader.Size)]
    [InlineData(0)]
    public void Truncated_records_are_rejected(int keep) =>
        Assert.False(MappingEvent.TryRead(Record(32, 1, 1, 5, 1, 1, 1, 1, 1).AsSpan(0, keep), out _));

    [Fact]
    public void A_claimed_length_shorter_than_the_struct_is_rejected() =>
        Assert.False(MappingEvent.TryRead(Record(32, 1, 1, 5, 1, 1, 1, 1, 1, recordLength: MappingEvent.Size - 4), out _));

    [Fact]
    public void A_longer_event_of_a_newer_probe_still_parses()
    {
        Assert.True(MappingEvent.TryRead(Record(32, 1, 1, 5, 0x4000, 1, 1, 1, 1, recordLength: 80), out MappingEvent e));
        Assert.Equal(0x4000UL, e.Start);
    }
}
