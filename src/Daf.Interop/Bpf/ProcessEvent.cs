// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;

namespace Daf.Interop.Bpf;

/// <summary>
/// struct daf_process_event of bpf/daf_events.h: fork, exec or exit of a process.
/// <see cref="Pid"/> is the process the event is about (fork: the new child), <see cref="ParentPid"/> its parent.
/// </summary>
public readonly record struct ProcessEvent(
    BpfEventKind Kind,
    uint Pid,
    ulong TimestampNanoseconds,
    uint ParentPid,
    uint ThreadId,
    uint ExitCode,
    TaskComm Comm)
{
    /// <summary>
    /// FORK: the parent's count in the probe's `forks` map after this fork (its low 32 bits): the holder table has
    /// applied the parent's forks up to this one once it applied the event. Otherwise 0.
    /// </summary>
    public uint ParentForks { get; init; }

    /// <summary>sizeof(struct daf_process_event): header, ppid, tid, exit_code, parent_forks, comm[16].</summary>
    public const int Size = BpfEventHeader.Size + 16 + TaskComm.Length;

    /// <summary>True for the kinds this struct describes.</summary>
    public static bool IsProcessKind(BpfEventKind kind) =>
        kind is BpfEventKind.ProcessFork or BpfEventKind.ProcessExec or BpfEventKind.ProcessExit;

    /// <summary>Parses one ring-buffer record; false when it is not a well-formed process event. Never throws.</summary>
    public static bool TryRead(ReadOnlySpan<byte> record, out ProcessEvent processEvent)
    {
        processEvent = default;
        if (!BpfEventHeader.TryRead(record, out BpfEventHeader header) || !IsProcessKind(header.Kind) || header.Length < Size)
            return false;
        ReadOnlySpan<byte> body = record[BpfEventHeader.Size..];
        processEvent = new ProcessEvent(
            header.Kind,
            header.Pid,
            header.TimestampNanoseconds,
            BinaryPrimitives.ReadUInt32LittleEndian(body),
            BinaryPrimitives.ReadUInt32LittleEndian(body[4..]),
            BinaryPrimitives.ReadUInt32LittleEndian(body[8..]),
            TaskComm.From(body.Slice(16, TaskComm.Length)))
        {
            ParentForks = BinaryPrimitives.ReadUInt32LittleEndian(body[12..]),
        };
        return true;
    }
}
