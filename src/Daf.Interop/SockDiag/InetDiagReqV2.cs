// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Interop.SockDiag;

/// <summary>struct inet_diag_req_v2: family, protocol, extensions, pad, idiag_states, then the sockid. 56 bytes.</summary>
public static class InetDiagReqV2
{
    public const int Size = 8 + InetDiagSockId.Size;

    /// <summary>Writes the fixed part and returns the sockid to fill in.</summary>
    public static Span<byte> Write(Span<byte> destination, byte family, byte protocol, byte extensions, uint states)
    {
        destination[..Size].Clear();
        destination[0] = family;
        destination[1] = protocol;
        destination[2] = extensions;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], states);
        return destination.Slice(8, InetDiagSockId.Size);
    }
}
