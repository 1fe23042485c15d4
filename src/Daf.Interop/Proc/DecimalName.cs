// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Proc;

/// <summary>Names of /proc entries that are numbers (/proc/PID, /proc/PID/fd/N).</summary>
public static class DecimalName
{
    /// <summary>A non-negative int written in decimal without sign or leading zeros, as /proc names processes and descriptors.</summary>
    public static bool TryParse(ReadOnlySpan<byte> name, out int value)
    {
        value = 0;
        if (name.IsEmpty || name.Length > 10 || (name[0] == (byte)'0' && name.Length > 1))
            return false;
        long number = 0;
        foreach (byte c in name)
        {
            uint digit = (uint)(c - '0');
            if (digit > 9)
                return false;
            number = number * 10 + digit;
        }
        if (number > int.MaxValue)
            return false;
        value = (int)number;
        return true;
    }
}
