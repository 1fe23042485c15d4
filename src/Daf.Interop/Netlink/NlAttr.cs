// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Interop.Netlink;

/// <summary>struct nlattr (linux/netlink.h): u16 nla_len, u16 nla_type, value padded to 4 bytes (NLA_ALIGN).</summary>
public static class NlAttr
{
    public const int HeaderSize = 4;
    public const ushort NLA_F_NESTED = 0x8000, NLA_F_NET_BYTEORDER = 0x4000, NLA_TYPE_MASK = 0x3FFF;

    /// <summary>NLA_ALIGN.</summary>
    public static int Align(int length) => (length + 3) & ~3;

    /// <summary>Writes an attribute header and returns the value area (zeroed, padding included in the write).</summary>
    public static Span<byte> Write(Span<byte> destination, ushort type, int valueLength, out int written)
    {
        written = Align(HeaderSize + valueLength);
        Span<byte> attribute = destination[..written];
        attribute.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(attribute, (ushort)(HeaderSize + valueLength));
        BinaryPrimitives.WriteUInt16LittleEndian(attribute[2..], type);
        return attribute.Slice(HeaderSize, valueLength);
    }
}
