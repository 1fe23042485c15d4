// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using Daf.Interop.Bpf;

namespace Daf.Interop.Tests.Bpf;

public sealed class ProcessEventTests
{
    private static byte[] Record(ushort kind, ushort length, uint pid, ulong timestamp, uint ppid, uint tid, uint exitCode, string comm)
    {
        byte[] bytes = new byte[Math.Max((int)length, ProcessEvent.Size)];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, kind);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), length);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), pid);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), timestamp);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), ppid);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(20), tid);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(24), exitCode);
        System.Text.Encoding.ASCII.GetBytes(comm).CopyTo(bytes, 32);
        return bytes;
    }

    [Fact]
    public void An_exit_event_is_read_field_by_field()
    {
        byte[] bytes = Record(3, 48, 4242, 123_456_789_012, 1, 4243, 256, "curl");
        Assert.True(ProcessEvent.TryRead(bytes, out ProcessEvent e));
        Assert.Equal((BpfEventKind.ProcessExit, 4242u, 123_456_789_012UL, 1u, 4243u, 256u, "curl"),
            (e.Kind, e.Pid, e.TimestampNanoseconds, e.ParentPid, e.ThreadId, e.ExitCode, e.Comm.ToString()));
    }

    [Fact]
    public void A_fork_event_carries_the_parents_fork_count()
    {
        byte[] bytes = Record(1, 48, 4243, 1, 4242, 4242, 0, "sh");
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(28), 7);
        Assert.True(ProcessEvent.TryRead(bytes, out ProcessEvent e));
        Assert.Equal((BpfEventKind.ProcessFork, 4242u, 7u, "sh"), (e.Kind, e.ParentPid, e.ParentForks, e.Comm.ToString()));
    }

    [Fact]
    public void A_full_16_byte_comm_without_NUL_is_kept_whole()
    {
        byte[] bytes = Record(2, 48, 1, 0, 0, 1, 0, "abcdefghijklmnop");
        Assert.True(ProcessEvent.TryRead(bytes, out ProcessEvent e));
        Assert.Equal("abcdefghijklmnop", e.Comm.ToString());
    }

    [Fact]
    public void A_longer_event_of_a_newer_probe_still_parses()
    {
        byte[] bytes = Record(1, 64, 7, 1, 6, 6, 0, "sh");
        Assert.True(ProcessEvent.TryRead(bytes, out ProcessEvent e));
        Assert.Equal((BpfEventKind.ProcessFork, 7u), (e.Kind, e.Pid));
    }

    [Fact]
    public void Unknown_kinds_have_a_header_but_are_not_process_events()
    {
        byte[] bytes = Record(16, 24, 9, 5, 0, 0, 0, "");
        Assert.True(BpfEventHeader.TryRead(bytes, out BpfEventHeader header));
        Assert.Equal(((BpfEventKind)16, (ushort)24, 9u, 5UL), (header.Kind, header.Length, header.Pid, header.TimestampNanoseconds));
        Assert.False(ProcessEvent.TryRead(bytes, out _));
    }

    [Theory]
    [InlineData(47)] // shorter than the struct
    [InlineData(15)] // shorter than a header
    [InlineData(0)]
    public void Truncated_records_are_rejected(int keep)
    {
        byte[] bytes = Record(2, 48, 1, 0, 0, 1, 0, "x");
        Assert.False(ProcessEvent.TryRead(bytes.AsSpan(0, keep), out _));
    }

    [Fact]
    public void A_length_beyond_the_record_or_below_the_header_is_rejected()
    {
        Assert.False(BpfEventHeader.TryRead(Record(2, 49, 1, 0, 0, 1, 0, "x").AsSpan(0, 48), out _));
        Assert.False(BpfEventHeader.TryRead(Record(2, 15, 1, 0, 0, 1, 0, "x"), out _));
        Assert.False(ProcessEvent.TryRead(Record(2, 40, 1, 0, 0, 1, 0, "x"), out _));
    }

    [Fact]
    public void Garbage_input_never_throws()
    {
        var random = new Random(42);
        byte[] buffer = new byte[96];
        for (int i = 0; i < 100_000; i++)
        {
            random.NextBytes(buffer);
            if (i % 2 == 0)
            {
                // steer half of them towards known kinds and plausible lengths
                (buffer[0], buffer[1], buffer[2], buffer[3]) = ((byte)random.Next(0, 5), 0, (byte)random.Next(0, 100), 0);
            }
            int length = random.Next(0, buffer.Length + 1);
            ProcessEvent.TryRead(buffer.AsSpan(0, length), out _);
            BpfEventHeader.TryRead(buffer.AsSpan(0, length), out _);
        }
    }

    [Fact]
    public void Comms_differing_only_in_the_last_byte_are_not_equal()
    {
        TaskComm a = TaskComm.From("abcdefghijklmnop"u8), b = TaskComm.From("abcdefghijklmnoq"u8);
        Assert.NotEqual(a, b);
        Assert.Equal(a, TaskComm.From("abcdefghijklmnop"u8));
        Assert.Equal(a.GetHashCode(), TaskComm.From("abcdefghijklmnop"u8).GetHashCode());
    }
}
