// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Proc;

/// <summary>The target of a /proc/PID/fd/N link that refers to a socket: <c>socket:[INODE]</c>.</summary>
public static class SocketLink
{
    /// <summary>Longest link text that can be a socket: "socket:[" + 20 digits + "]".</summary>
    public const int MaxLength = 29;

    /// <summary>
    /// The socket inode named by <paramref name="link"/>; false for anything else (files, pipes, anon_inode:..., a
    /// malformed or overflowing number). Never throws.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> link, out ulong inode)
    {
        inode = 0;
        ReadOnlySpan<byte> prefix = "socket:["u8;
        if (link.Length <= prefix.Length + 1 || link.Length > MaxLength || !link.StartsWith(prefix) || link[^1] != (byte)']')
            return false;
        ReadOnlySpan<byte> digits = link[prefix.Length..^1];
        ulong value = 0;
        foreach (byte c in digits)
        {
            uint digit = (uint)(c - '0');
            if (digit > 9 || value > (ulong.MaxValue - digit) / 10)
                return false;
            value = value * 10 + digit;
        }
        inode = value;
        return true;
    }
}
