// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Interop.Netlink;

/// <summary>struct nfgenmsg (linux/netfilter/nfnetlink.h): u8 nfgen_family, u8 version, __be16 res_id.</summary>
public static class NfGenMsg
{
    public const int Size = 4;
    public const byte NFNETLINK_V0 = 0;
    public const byte NFNL_SUBSYS_QUEUE = 3;

    /// <summary>nlmsg_type of an nfnetlink message: subsystem in the high byte.</summary>
    public static ushort MessageType(byte subsystem, byte message) => (ushort)((subsystem << 8) | message);

    public static void Write(Span<byte> destination, byte family, ushort resourceId)
    {
        destination[0] = family;
        destination[1] = NFNETLINK_V0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], resourceId);
    }
}
