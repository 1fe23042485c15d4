// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Bpf;

/// <summary>enum daf_event_kind of bpf/daf_events.h.</summary>
public enum BpfEventKind : ushort
{
    /// <summary>DAF_EVENT_PROCESS_FORK: a new process (thread group) was created.</summary>
    ProcessFork = 1,
    /// <summary>DAF_EVENT_PROCESS_EXEC: a process replaced its image.</summary>
    ProcessExec = 2,
    /// <summary>DAF_EVENT_PROCESS_EXIT: the last thread of a process exited.</summary>
    ProcessExit = 3,
}
