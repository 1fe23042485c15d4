// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using Daf.Interop.Bpf;
using Daf.Interop.Packets;

namespace Daf.Interop.Tests.Bpf;

public sealed class SocketReleaseEventTests
{
    private static byte[] Record(ushort family, byte[] local, byte[] remote, ushort localPort = 40000, ushort remotePort = 53,
        uint flags = 0, ushort length = SocketReleaseEvent.Size)
    {
        byte[] bytes = EventRecord.WithHeader(SocketReleaseEvent.Size, 48, length, 4242, 99);
        Span<byte> body = EventRecord.Body(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(body, 4243);
        BinaryPrimitives.WriteUInt16LittleEndian(body[4..], family);
        body[6] = 17;
        body[7] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(body[8..], localPort);
        BinaryPrimitives.WriteUInt16LittleEndian(body[10..], remotePort);
        BinaryPrimitives.WriteUInt32LittleEndian(body[12..], flags);
        local.CopyTo(body[16..]);
        remote.CopyTo(body[32..]);
        BinaryPrimitives.WriteUInt64LittleEndian(body[48..], 777);
        BinaryPrimitives.WriteUInt64LittleEndian(body[56..], 888);
        BinaryPrimitives.WriteUInt64LittleEndian(body[64..], 999);
        return bytes;
    }

    [Fact]
    public void An_ipv4_release_reads_its_addresses_as_packet_headers_carry_them()
    {
        Assert.True(SocketReleaseEvent.TryRead(Record(2, [10, 1, 2, 3], [10, 1, 2, 4]), out SocketReleaseEvent e));
        Assert.Equal((4242u, 99UL, 4243u, (byte)17, (byte)1, (ushort)40000, (ushort)53, 777UL, 888UL, 999UL, false),
            (e.Pid, e.TimestampNanoseconds, e.ThreadId, e.Protocol, e.State, e.LocalPort, e.RemotePort, e.Inode, e.Cookie, e.NetnsCookie,
             e.ReleasedByKernelThread));
        Assert.Equal((PacketHeaderParser.MapIpv4(0x0A010203), PacketHeaderParser.MapIpv4(0x0A010204)), (e.LocalAddress, e.RemoteAddress));
    }

    [Fact]
    public void Wildcard_addresses_of_both_families_read_as_zero()
    {
        byte[] mappedAny = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0, 0];
        Assert.True(SocketReleaseEvent.TryRead(Record(2, [0, 0, 0, 0], [0, 0, 0, 0]), out SocketReleaseEvent v4));
        Assert.True(SocketReleaseEvent.TryRead(Record(10, mappedAny, new byte[16]), out SocketReleaseEvent v6));
        Assert.Equal((UInt128.Zero, UInt128.Zero, UInt128.Zero), (v4.LocalAddress, v4.RemoteAddress, v6.LocalAddress));
    }

    [Fact]
    public void An_ipv6_release_keeps_its_address_and_a_kernel_thread_flag()
    {
        byte[] local = [0xFD, 0, 0x0D, 0xAF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        Assert.True(SocketReleaseEvent.TryRead(Record(10, local, new byte[16], flags: 1), out SocketReleaseEvent e));
        Assert.Equal((BinaryPrimitives.ReadUInt128BigEndian(local), true), (e.LocalAddress, e.ReleasedByKernelThread));
    }

    [Fact]
    public void Short_records_other_kinds_and_other_families_are_refused()
    {
        Assert.False(SocketReleaseEvent.TryRead(Record(2, [1, 2, 3, 4], [1, 2, 3, 4], length: SocketReleaseEvent.Size - 1), out _));
        Assert.False(SocketReleaseEvent.TryRead(Record(1, [1, 2, 3, 4], [1, 2, 3, 4]), out _));
        byte[] other = Record(2, [1, 2, 3, 4], [1, 2, 3, 4]);
        BinaryPrimitives.WriteUInt16LittleEndian(other, 17);
        Assert.False(SocketReleaseEvent.TryRead(other, out _));
        Assert.False(SocketReleaseEvent.TryRead(other.AsSpan(0, 20), out _));
    }

    [Fact]
    public void Exit_images_list_their_objects_and_say_whether_they_are_complete()
    {
        byte[] bytes = EventRecord.WithHeader(ExitImageEvent.Size, 64, ExitImageEvent.Size, 50, 1);
        Span<byte> body = EventRecord.Body(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(body, 2);
        Span<byte> first = body[8..];
        BinaryPrimitives.WriteUInt64LittleEndian(first, 11);
        BinaryPrimitives.WriteInt64LittleEndian(first[8..], 4096);
        BinaryPrimitives.WriteInt64LittleEndian(first[16..], 5);
        BinaryPrimitives.WriteInt64LittleEndian(first[24..], 6);
        BinaryPrimitives.WriteUInt32LittleEndian(first[32..], 0xFE00);
        BinaryPrimitives.WriteUInt32LittleEndian(body[(8 + ImageObject.EncodedSize + 36)..], ImageObject.DAF_IMAGE_OBJECT_ANONYMOUS);

        Assert.True(ExitImageEvent.TryRead(bytes, out ExitImageEvent? image));
        Assert.Equal([new ImageObject(11, 4096, 5, 6, 0xFE00, 0), new ImageObject(0, 0, 0, 0, 0, 1)], image!.Objects);
        Assert.True(image.Complete);
        Assert.True(image.Objects[1].Anonymous);

        BinaryPrimitives.WriteUInt32LittleEndian(body[4..], ExitImageEvent.DAF_EXIT_IMAGE_TRUNCATED);
        Assert.True(ExitImageEvent.TryRead(bytes, out image));
        Assert.False(image!.Complete);
        BinaryPrimitives.WriteUInt32LittleEndian(body, ExitImageEvent.MaxObjects + 1);
        Assert.False(ExitImageEvent.TryRead(bytes, out _));
    }

    [Fact]
    public void Exec_file_events_carry_the_path_they_were_execed_by()
    {
        byte[] bytes = EventRecord.WithHeader(ExecFileEvent.Size, 65, ExecFileEvent.Size, 51, 1);
        Span<byte> body = EventRecord.Body(bytes);
        BinaryPrimitives.WriteUInt64LittleEndian(body, 12);
        "/usr/bin/curl"u8.CopyTo(body[(ImageObject.EncodedSize + 8)..]);
        BinaryPrimitives.WriteUInt32LittleEndian(body[ImageObject.EncodedSize..], 13);
        Assert.True(ExecFileEvent.TryRead(bytes, out ExecFileEvent? exec));
        Assert.Equal(("/usr/bin/curl", 12UL), (exec!.Path, exec.Object.Inode));

        BinaryPrimitives.WriteUInt32LittleEndian(body[ImageObject.EncodedSize..], ExecFileEvent.PathMax);
        Assert.False(ExecFileEvent.TryRead(bytes, out _));
    }
}
