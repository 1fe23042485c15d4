// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.ProcNet;

/// <summary>The /proc/net socket tables that sock_diag cannot answer for on these kernels (no ICMP/raw diag module).</summary>
public enum ProcNetSocketTable : byte
{
    /// <summary>/proc/net/icmp: IPv4 ping sockets (socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)).</summary>
    Icmp,
    /// <summary>/proc/net/icmp6: IPv6 ping sockets.</summary>
    Icmp6,
    /// <summary>/proc/net/raw: IPv4 raw sockets.</summary>
    Raw,
    /// <summary>/proc/net/raw6: IPv6 raw sockets.</summary>
    Raw6,
}
