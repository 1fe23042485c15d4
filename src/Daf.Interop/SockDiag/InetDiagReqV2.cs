// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Interop.SockDiag;

/// <summary>struct inet_diag_req_v2: family, protocol, extensions, pad, idiag_states, then the sockid. 56 bytes.</summary>
public static class InetDiagReqV2
{
    public const int Size = 8 + InetDiagSockId.Size;

    /// <summary>nlmsghdr + inet_diag_req_v2 of an exact SOCK_DIAG_BY_FAMILY request.</summary>
    public const int MessageSize = Netlink.NlMsgHdr.Size + Size;

    /// <summary>
    /// Writes a whole exact request (NLM_F_REQUEST, no NLM_F_DUMP): every state, no extensions, no interface,
    /// INET_DIAG_NOCOOKIE so that the kernel skips its cookie check. Returns the bytes written.
    /// </summary>
    public static int WriteExactRequest(Span<byte> destination, uint sequence, byte family, byte protocol,
        UInt128 source, ushort sourcePort, UInt128 destinationAddress, ushort destinationPort)
    {
        Netlink.NlMsgHdr.Write(destination, MessageSize, SockDiagConstants.SOCK_DIAG_BY_FAMILY,
            Netlink.NlMsgHdr.NLM_F_REQUEST, sequence, 0);
        Span<byte> id = Write(destination[Netlink.NlMsgHdr.Size..], family, protocol, 0, SockDiagConstants.AllStates);
        const ulong NoCookie = ((ulong)SockDiagConstants.INET_DIAG_NOCOOKIE << 32) | SockDiagConstants.INET_DIAG_NOCOOKIE;
        InetDiagSockId.Write(id, family == SockDiagConstants.AF_INET, source, sourcePort, destinationAddress,
            destinationPort, 0, NoCookie);
        return MessageSize;
    }

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
