// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Packets;

/// <summary>STUB: replaced by the rules work.</summary>
public static class PacketHeaderParser
{
    public static bool TryParse(ReadOnlySpan<byte> packet, out PacketHeaders headers)
    {
        headers = default;
        return false;
    }
}
