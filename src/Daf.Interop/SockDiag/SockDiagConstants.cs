// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.SockDiag;

/// <summary>Constants of linux/sock_diag.h and linux/inet_diag.h.</summary>
public static class SockDiagConstants
{
    /// <summary>NETLINK_SOCK_DIAG (linux/netlink.h).</summary>
    public const int NETLINK_SOCK_DIAG = 4;
    /// <summary>The request and reply message type for inet_diag_req_v2 / inet_diag_msg.</summary>
    public const ushort SOCK_DIAG_BY_FAMILY = 20;
    /// <summary>Both idiag_cookie words set to this skip the kernel's cookie check.</summary>
    public const uint INET_DIAG_NOCOOKIE = ~0u;
    /// <summary>idiag_states with every TCP state bit (TCPF_*), as ss -a asks.</summary>
    public const uint AllStates = 0xFFFF_FFFF;

    public const byte AF_INET = 2, AF_INET6 = 10;
}
