// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Netlink;

namespace Daf.Interop.SockDiag;

/// <summary>Reads the answer to one exact SOCK_DIAG_BY_FAMILY request from a received datagram.</summary>
public static class SockDiagReply
{
    public enum Kind : byte
    {
        /// <summary>An inet_diag_msg for the request.</summary>
        Message,
        /// <summary>NLMSG_ERROR for the request; the errno is set (never 0).</summary>
        Error,
        /// <summary>Nothing in the datagram answers the request (another sequence number, NLMSG_DONE or NOOP only).</summary>
        None,
        /// <summary>Bytes that are not a valid answer (truncated message, bad lengths, short payload).</summary>
        Malformed,
    }

    /// <summary>Never throws and never reads outside <paramref name="datagram"/>.</summary>
    public static Kind Parse(ReadOnlySpan<byte> datagram, uint sequence, out InetDiagMsg message, out int errno)
    {
        message = default;
        errno = 0;
        var reader = new NetlinkMessageReader(datagram);
        while (reader.TryRead(out NetlinkMessage nl))
        {
            if (nl.Sequence != sequence)
                continue;
            if (nl.Truncated)
                return Kind.Malformed;
            if (nl.Type == NlMsgHdr.NLMSG_ERROR)
            {
                if (!NlMsgErr.TryParse(nl.Payload, out errno, out _) || errno == 0)
                {
                    errno = 0;
                    return Kind.Malformed;
                }
                return Kind.Error;
            }
            if (nl.Type == SockDiagConstants.SOCK_DIAG_BY_FAMILY)
                return InetDiagMsg.TryParse(nl.Payload, out message) ? Kind.Message : Kind.Malformed;
        }
        return reader.Malformed ? Kind.Malformed : Kind.None;
    }
}
