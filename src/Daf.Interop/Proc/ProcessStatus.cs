// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Proc;

/// <summary>The fields of /proc/PID/stat that tell whether a process still has an address space.</summary>
/// <param name="State">Field 3: R, S, D, Z (zombie), X (dead), ...</param>
/// <param name="Flags">Field 9: the task's PF_* flags.</param>
/// <param name="VirtualSize">Field 23: 0 once the address space is gone (exiting) and for kernel threads.</param>
public readonly record struct ProcessStatus(char State, uint Flags, ulong VirtualSize)
{
    private const uint PF_KTHREAD = 0x00200000;

    public bool IsKernelThread => (Flags & PF_KTHREAD) != 0;

    /// <summary>Exited or exiting: a zombie, dead, or a user process whose address space was already released.</summary>
    public bool HasExited => State is 'Z' or 'X' or 'x' || (VirtualSize == 0 && !IsKernelThread);

    /// <summary>Parses the stat line; the command name (field 2) may contain spaces and ')' so fields are counted from the last ')'.</summary>
    public static bool TryParse(ReadOnlySpan<byte> stat, out ProcessStatus status)
    {
        status = default;
        int close = stat.LastIndexOf((byte)')');
        if (close < 0 || close + 2 >= stat.Length)
            return false;
        ReadOnlySpan<byte> rest = stat[(close + 2)..];
        char state = (char)rest[0];
        ulong flags = 0, virtualSize = 0;
        int field = 3;
        foreach (Range range in rest.Split((byte)' '))
        {
            ReadOnlySpan<byte> text = rest[range];
            if (field == 9 && !System.Buffers.Text.Utf8Parser.TryParse(text, out flags, out _))
                return false;
            if (field == 23)
            {
                if (!System.Buffers.Text.Utf8Parser.TryParse(text, out virtualSize, out _))
                    return false;
                status = new ProcessStatus(state, (uint)flags, virtualSize);
                return true;
            }
            field++;
        }
        return false;
    }
}
