// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Daf.Interop.Tests;

/// <summary>What tests need to compare .NET sockets with what the kernel reports about them.</summary>
public static class TestSockets
{
    /// <summary>The sockfs inode of the socket, from its /proc/self/fd link (socket:[inode]).</summary>
    public static ulong InodeOf(Socket socket)
    {
        string target = new FileInfo("/proc/self/fd/" + socket.SafeHandle.DangerousGetHandle()).LinkTarget!;
        if (!target.StartsWith("socket:[", StringComparison.Ordinal))
            throw new InvalidOperationException("not a socket: " + target);
        return ulong.Parse(target.AsSpan(8, target.Length - 9), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The address as PacketHeaders holds it (IPv4 as ::ffff:a.b.c.d).</summary>
    public static UInt128 Address(IPAddress address)
    {
        byte[] bytes = address.GetAddressBytes();
        return address.AddressFamily == AddressFamily.InterNetwork
            ? ((UInt128)0xFFFF << 32) | BinaryPrimitives.ReadUInt32BigEndian(bytes)
            : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }
}
