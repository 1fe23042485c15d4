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
    /// <summary>DAF_EVENT_FD_SOCKET: a descriptor now refers to a socket.</summary>
    FdSocket = 16,
    /// <summary>DAF_EVENT_FD_CLOSED: a descriptor was closed.</summary>
    FdClosed = 17,
    /// <summary>DAF_EVENT_FD_RANGE_CLOSED: close_range closed a range of descriptors.</summary>
    FdRangeClosed = 18,
    /// <summary>DAF_EVENT_FDS_RECEIVED: descriptors may have arrived over SCM_RIGHTS.</summary>
    FdsReceived = 19,
    /// <summary>DAF_EVENT_EXEC_MAPPED: executable memory was mapped (mmap or mprotect).</summary>
    ExecMapped = 32,
    /// <summary>DAF_EVENT_UNMAPPED: memory was unmapped.</summary>
    Unmapped = 33,
    /// <summary>DAF_EVENT_SOCKET_RELEASED: an inet socket was released (cgroup/sock_release), before it was unhashed.</summary>
    SocketReleased = 48,
    /// <summary>DAF_EVENT_EXIT_IMAGE: the executable mappings of an exiting process that made inet sockets.</summary>
    ExitImage = 64,
    /// <summary>DAF_EVENT_EXEC_FILE: the file a process exec'd and the path it was exec'd by.</summary>
    ExecFile = 65,
}
