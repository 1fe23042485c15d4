// SPDX-License-Identifier: Apache-2.0
using System.Runtime.CompilerServices;
using System.Text;

namespace Daf.Interop.Bpf;

/// <summary>A task's comm (TASK_COMM_LEN = 16 bytes, NUL-padded), held inline so events allocate nothing.</summary>
[InlineArray(Length)]
public struct TaskComm : IEquatable<TaskComm>
{
    public const int Length = 16;

    private byte _first;

    /// <summary>Copies up to 16 bytes of <paramref name="bytes"/>.</summary>
    public static TaskComm From(ReadOnlySpan<byte> bytes)
    {
        TaskComm comm = default;
        bytes[..Math.Min(bytes.Length, Length)].CopyTo(comm);
        return comm;
    }

    public readonly bool Equals(TaskComm other) => ((ReadOnlySpan<byte>)this).SequenceEqual(other);

    public override readonly bool Equals(object? obj) => obj is TaskComm other && Equals(other);

    public override readonly int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(this);
        return hash.ToHashCode();
    }

    /// <summary>The name up to its first NUL (allocates a string).</summary>
    public override readonly string ToString()
    {
        ReadOnlySpan<byte> bytes = this;
        int end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }
}
