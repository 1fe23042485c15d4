// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Interop.Netlink;

/// <summary>struct nlmsgerr: the payload of NLMSG_ERROR; error 0 is an ack (NLM_F_ACK).</summary>
public static class NlMsgErr
{
    /// <summary>int error followed by at least the request's nlmsghdr.</summary>
    public const int MinimumSize = 4 + NlMsgHdr.Size;

    /// <summary>
    /// Reads an NLMSG_ERROR payload: <paramref name="errno"/> is positive (0 for an ack) and
    /// <paramref name="requestSequence"/> is the nlmsg_seq of the request it answers.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out int errno, out uint requestSequence)
    {
        errno = 0;
        requestSequence = 0;
        if (payload.Length < MinimumSize)
            return false;
        int error = BinaryPrimitives.ReadInt32LittleEndian(payload);
        if (error > 0 || error == int.MinValue)
            return false;
        errno = -error;
        requestSequence = BinaryPrimitives.ReadUInt32LittleEndian(payload[(4 + 8)..]);
        return true;
    }
}
