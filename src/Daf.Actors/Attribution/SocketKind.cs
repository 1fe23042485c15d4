// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Attribution;

/// <summary>How a socket was found: sock_diag for TCP/UDP, /proc/net/icmp[6] for ping sockets, /proc/net/raw[6] for raw sockets.</summary>
public enum SocketKind : byte
{
    Tcp,
    Udp,
    Ping,
    Raw,
}
