// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using Daf.Interop.Bpf;

namespace Daf.Interop.Tests.Bpf;

public sealed class DescriptorEventTests
{
    private static byte[] Record(ushort kind, uint pid, uint tid, int fd, int fdLast, ulong inode, ulong cookie,
        ushort length = DescriptorEvent.Size, ulong timestamp = 77)
    {
        byte[] bytes = EventRecord.WithHeader(DescriptorEvent.Size, kind, length, pid, timestamp);
        Span<byte> body = EventRecord.Body(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(body, tid);
        BinaryPrimitives.WriteInt32LittleEndian(body[4..], fd);
        BinaryPrimitives.WriteInt32LittleEndian(body[8..], fdLast);
        BinaryPrimitives.WriteUInt64LittleEndian(body[16..], inode);
        BinaryPrimitives.WriteUInt64LittleEndian(body[24..], cookie);
        return bytes;
    }

    [Fact]
    public void A_socket_descriptor_event_is_read_field_by_field()
    {
        byte[] bytes = Record(16, 4242, 4250, 300, 300, 0x1_0000_0001, 0xDEAD_BEEF_0000_0001, timestamp: 123_456_789);
        Assert.True(DescriptorEvent.TryRead(bytes, out DescriptorEvent e));
        Assert.Equal((BpfEventKind.FdSocket, 4242u, 123_456_789UL, 4250u, 300, 300, 0x1_0000_0001UL, 0xDEAD_BEEF_0000_0001UL),
            (e.Kind, e.Pid, e.TimestampNanoseconds, e.ThreadId, e.Fd, e.FdLast, e.Inode, e.Cookie));
    }

    [Fact]
    public void A_range_keeps_both_ends_signed()
    {
        Assert.True(DescriptorEvent.TryRead(Record(18, 1, 1, 3, int.MaxValue, 0, 0), out DescriptorEvent e));
        Assert.Equal((BpfEventKind.FdRangeClosed, 3, int.MaxValue), (e.Kind, e.Fd, e.FdLast));
    }

    [Theory]
    [InlineData(17)]
    [InlineData(19)]
    public void Closed_and_received_kinds_are_descriptor_events(ushort kind)
    {
        Assert.True(DescriptorEvent.TryRead(Record(kind, 5, 6, 7, 7, 0, 0), out DescriptorEvent e));
        Assert.Equal((BpfEventKind)kind, e.Kind);
    }

    [Theory]
    [InlineData(3)]  // process exit
    [InlineData(32)] // a mapping
    [InlineData(20)] // unknown
    public void Other_kinds_are_not_descriptor_events(ushort kind) =>
        Assert.False(DescriptorEvent.TryRead(Record(kind, 5, 6, 7, 7, 0, 0), out _));

    [Fact]
    public void A_longer_event_of_a_newer_probe_still_parses()
    {
        Assert.True(DescriptorEvent.TryRead(Record(16, 9, 9, 4, 4, 11, 0, length: 64), out DescriptorEvent e));
        Assert.Equal((4, 11UL), (e.Fd, e.Inode));
    }

    [Theory]
    [InlineData(DescriptorEvent.Size - 1)]
    [InlineData(BpfEventHeader.Size)]
    [InlineData(0)]
    public void Truncated_records_are_rejected(int keep) =>
        Assert.False(DescriptorEvent.TryRead(Record(16, 1, 1, 3, 3, 1, 1).AsSpan(0, keep), out _));

    [Fact]
    public void A_claimed_length_shorter_than_the_struct_is_rejected() =>
        Assert.False(DescriptorEvent.TryRead(Record(16, 1, 1, 3, 3, 1, 1, length: DescriptorEvent.Size - 8), out _));

    [Fact]
    public void Garbage_input_never_throws()
    {
        var random = new Random(7);
        byte[] buffer = new byte[96];
        for (int i = 0; i < 100_000; i++)
        {
            random.NextBytes(buffer);
            if (i % 2 == 0)
                (buffer[0], buffer[1], buffer[2], buffer[3]) = ((byte)random.Next(15, 34), 0, (byte)random.Next(0, 100), 0);
            int length = random.Next(0, buffer.Length + 1);
            DescriptorEvent.TryRead(buffer.AsSpan(0, length), out _);
            MappingEvent.TryRead(buffer.AsSpan(0, length), out _);
        }
    }
}
