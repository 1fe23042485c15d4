// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.SockDiag;

/// <summary>The outcome of an exact sock_diag lookup. Failures other than ENOENT are thrown.</summary>
public enum InetDiagLookupStatus : byte
{
    /// <summary>The kernel answered with an inet_diag_msg.</summary>
    Found,
    /// <summary>ENOENT: no socket of that protocol matches (an expected outcome, e.g. the socket closed).</summary>
    NotFound,
}
