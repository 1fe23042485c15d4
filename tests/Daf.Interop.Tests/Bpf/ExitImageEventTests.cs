// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using Daf.Interop.Bpf;

namespace Daf.Interop.Tests.Bpf;

public sealed class ExitImageEventTests
{
    private static byte[] Record(uint count, uint flags)
    {
        byte[] record = EventRecord.WithHeader(ExitImageEvent.Size, (ushort)BpfEventKind.ExitImage, ExitImageEvent.Size, 4242, 7);
        BinaryPrimitives.WriteUInt32LittleEndian(EventRecord.Body(record), count);
        BinaryPrimitives.WriteUInt32LittleEndian(EventRecord.Body(record)[4..], flags);
        return record;
    }

    [Fact]
    public void An_unavailable_list_carries_the_errno_the_probe_could_not_read_the_address_space_with()
    {
        const int EBUSY = 16;
        Assert.True(ExitImageEvent.TryRead(Record(0, ExitImageEvent.DAF_EXIT_IMAGE_UNAVAILABLE | EBUSY << ExitImageEvent.DAF_EXIT_IMAGE_ERRNO_SHIFT),
            out ExitImageEvent? busy));
        Assert.False(busy!.Complete);
        Assert.Equal(EBUSY, busy.UnavailableErrno);
        Assert.Equal("EBUSY", Errno.Name(busy.UnavailableErrno));

        Assert.True(ExitImageEvent.TryRead(Record(0, ExitImageEvent.DAF_EXIT_IMAGE_UNAVAILABLE), out ExitImageEvent? empty));
        Assert.False(empty!.Complete);
        Assert.Equal(0, empty.UnavailableErrno);
    }
}
