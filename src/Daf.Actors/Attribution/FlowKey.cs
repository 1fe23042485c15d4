// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Attribution;

/// <summary>
/// The flow cache key, from the local socket's point of view. Ping sockets use the echo identifier as
/// <see cref="LocalPort"/>; raw sockets use the IP protocol as <see cref="LocalPort"/> and no remote side.
/// <see cref="LocalOnly"/> keys (remote side zero) serve unconnected UDP sockets, which receive from any peer.
/// </summary>
public readonly record struct FlowKey(byte Protocol, UInt128 LocalAddress, ushort LocalPort, UInt128 RemoteAddress,
    ushort RemotePort, bool LocalOnly)
{
    public FlowKey WithoutRemote() => this with { RemoteAddress = 0, RemotePort = 0, LocalOnly = true };
}
