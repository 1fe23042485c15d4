// SPDX-License-Identifier: Apache-2.0
using System.Text;

namespace Daf.Interop.Proc;

/// <summary>
/// Where the cgroup2 (unified) hierarchy is mounted, from /proc/self/mountinfo: /sys/fs/cgroup on most distributions,
/// /sys/fs/cgroup/unified in the hybrid layout. Never guessed.
/// </summary>
public static class Cgroup2Mount
{
    public const string MountInfoPath = "/proc/self/mountinfo";

    /// <summary>The first cgroup2 mount point of this mount namespace; false when there is none (or mountinfo is unreadable).</summary>
    public static bool TryFind(out string mountPoint, string mountInfoPath = MountInfoPath)
    {
        mountPoint = "";
        string text;
        try
        {
            text = File.ReadAllText(mountInfoPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        return TryParse(text, out mountPoint);
    }

    /// <summary>
    /// mountinfo lines: `ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS`; the
    /// mount point escapes space, tab, newline and backslash as \ooo octal.
    /// </summary>
    public static bool TryParse(string mountInfo, out string mountPoint)
    {
        mountPoint = "";
        foreach (string line in mountInfo.Split('\n'))
        {
            string[] fields = line.Split(' ');
            int separator = Array.IndexOf(fields, "-");
            if (separator < 6 || separator + 1 >= fields.Length || fields[separator + 1] != "cgroup2")
                continue;
            mountPoint = Unescape(fields[4]);
            return mountPoint.Length > 0;
        }
        return false;
    }

    private static string Unescape(string field)
    {
        if (!field.Contains('\\'))
            return field;
        var bytes = new List<byte>(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                bytes.Add((byte)((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0')));
                i += 3;
            }
            else
                bytes.AddRange(Encoding.UTF8.GetBytes(field[i].ToString()));
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsOctal(string field, int start)
    {
        if (start + 3 > field.Length)
            return false;
        for (int i = start; i < start + 3; i++)
        {
            if (field[i] is < '0' or > '7')
                return false;
        }
        return true;
    }
}
