// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Interop.Netlink;

/// <summary>struct nlmsghdr (linux/netlink.h): 16 bytes in host byte order, messages aligned to 4 bytes.</summary>
public static class NlMsgHdr
{
    public const int Size = 16;

    public const ushort NLMSG_NOOP = 1, NLMSG_ERROR = 2, NLMSG_DONE = 3, NLMSG_OVERRUN = 4;
    public const ushort NLM_F_REQUEST = 0x1, NLM_F_MULTI = 0x2, NLM_F_ACK = 0x4;

    /// <summary>NLMSG_ALIGN.</summary>
    public static int Align(int length) => (length + 3) & ~3;

    public static void Write(Span<byte> destination, uint length, ushort type, ushort flags, uint sequence, uint portId)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, length);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], portId);
    }
}
