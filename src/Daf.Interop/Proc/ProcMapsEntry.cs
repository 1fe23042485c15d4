// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Proc;

/// <summary>
/// One line of /proc/PID/maps: <c>start-end perms offset major:minor inode [path]</c>. The path is the rest of
/// the line after the spaces that pad it (it may contain spaces, end in " (deleted)", be <c>[heap]</c>,
/// <c>[vdso]</c>, <c>/memfd:NAME (deleted)</c>, or be empty for anonymous memory). <see cref="Path"/> points
/// into the reader's buffer and is valid until the next read.
/// </summary>
public readonly ref struct ProcMapsEntry
{
    public ProcMapsEntry(ulong start, ulong end, ProcMapsPermissions permissions, ulong offset,
        uint deviceMajor, uint deviceMinor, ulong inode, ReadOnlySpan<byte> path)
    {
        Start = start;
        End = end;
        Permissions = permissions;
        Offset = offset;
        DeviceMajor = deviceMajor;
        DeviceMinor = deviceMinor;
        Inode = inode;
        Path = path;
    }

    public ulong Start { get; }
    public ulong End { get; }
    public ProcMapsPermissions Permissions { get; }
    public ulong Offset { get; }
    public uint DeviceMajor { get; }
    public uint DeviceMinor { get; }
    /// <summary>0 for anonymous memory and kernel-provided areas ([vdso], [heap], ...).</summary>
    public ulong Inode { get; }
    public ReadOnlySpan<byte> Path { get; }

    public bool IsExecutable => (Permissions & ProcMapsPermissions.Execute) != 0;

    /// <summary>
    /// Parses one line without its newline. False for anything that is not exactly the kernel's format
    /// (bad or oversized numbers, start &gt;= end, unknown permission letters); never throws.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out ProcMapsEntry entry)
    {
        entry = default;
        if (!TryTakeHex(ref line, (byte)'-', 16, out ulong start) ||
            !TryTakeHex(ref line, (byte)' ', 16, out ulong end) || start >= end ||
            !TryTakePermissions(ref line, out ProcMapsPermissions permissions) ||
            !TryTakeHex(ref line, (byte)' ', 16, out ulong offset) ||
            !TryTakeHex(ref line, (byte)':', 8, out ulong major) ||
            !TryTakeHex(ref line, (byte)' ', 8, out ulong minor))
            return false;

        int digits = 0;
        ulong inode = 0;
        while (digits < line.Length && (uint)(line[digits] - '0') <= 9)
        {
            ulong digit = (uint)(line[digits] - '0');
            if (inode > (ulong.MaxValue - digit) / 10)
                return false;
            inode = inode * 10 + digit;
            digits++;
        }
        if (digits == 0)
            return false;
        line = line[digits..];
        if (!line.IsEmpty)
        {
            if (line[0] != (byte)' ')
                return false;
            int padding = line.IndexOfAnyExcept((byte)' ');
            line = padding < 0 ? ReadOnlySpan<byte>.Empty : line[padding..];
        }
        entry = new ProcMapsEntry(start, end, permissions, offset, (uint)major, (uint)minor, inode, line);
        return true;
    }

    private static bool TryTakeHex(ref ReadOnlySpan<byte> line, byte terminator, int maxDigits, out ulong value)
    {
        value = 0;
        int i = 0;
        for (; i < line.Length && line[i] != terminator; i++)
        {
            if (i == maxDigits)
                return false;
            int digit = HexDigit(line[i]);
            if (digit < 0)
                return false;
            value = value << 4 | (uint)digit;
        }
        if (i == 0 || i == line.Length)
            return false;
        line = line[(i + 1)..];
        return true;
    }

    private static int HexDigit(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    private static bool TryTakePermissions(ref ReadOnlySpan<byte> line, out ProcMapsPermissions permissions)
    {
        permissions = ProcMapsPermissions.None;
        if (line.Length < 5 || line[4] != (byte)' ')
            return false;
        if (!TryFlag(line[0], (byte)'r', ProcMapsPermissions.Read, ref permissions) ||
            !TryFlag(line[1], (byte)'w', ProcMapsPermissions.Write, ref permissions) ||
            !TryFlag(line[2], (byte)'x', ProcMapsPermissions.Execute, ref permissions))
            return false;
        if (line[3] == (byte)'s')
            permissions |= ProcMapsPermissions.Shared;
        else if (line[3] != (byte)'p')
            return false;
        line = line[5..];
        return true;
    }

    private static bool TryFlag(byte actual, byte letter, ProcMapsPermissions flag, ref ProcMapsPermissions permissions)
    {
        if (actual == letter)
            permissions |= flag;
        else if (actual != (byte)'-')
            return false;
        return true;
    }
}
