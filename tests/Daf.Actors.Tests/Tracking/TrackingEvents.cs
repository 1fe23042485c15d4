// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Tracking;
using Daf.Interop.Bpf;

namespace Daf.Actors.Tests.Tracking;

/// <summary>Synthetic events as the eBPF programs would emit them, stamped now (after any /proc read so far).</summary>
public static class TrackingEvents
{
    private static ulong Now => SocketHolderTrackerActor.MonotonicNanoseconds();

    public static TrackingEvent Socket(int tgid, int fd, ulong inode) =>
        new TrackingEvent(new DescriptorEvent(BpfEventKind.FdSocket, (uint)tgid, Now, (uint)tgid, fd, fd, inode, 0));

    public static TrackingEvent Closed(int tgid, int fd) =>
        new TrackingEvent(new DescriptorEvent(BpfEventKind.FdClosed, (uint)tgid, Now, (uint)tgid, fd, fd, 0, 0));

    public static TrackingEvent RangeClosed(int tgid, int first, int last) =>
        new TrackingEvent(new DescriptorEvent(BpfEventKind.FdRangeClosed, (uint)tgid, Now, (uint)tgid, first, last, 0, 0));

    public static TrackingEvent FdsReceived(int tgid) =>
        new TrackingEvent(new DescriptorEvent(BpfEventKind.FdsReceived, (uint)tgid, Now, (uint)tgid, -1, -1, 0, 0));

    public static TrackingEvent Fork(int parent, int child, uint parentForks = 0) =>
        new TrackingEvent(new ProcessEvent(BpfEventKind.ProcessFork, (uint)child, Now, (uint)parent, (uint)child, 0, default)
        {
            ParentForks = parentForks,
        });

    public static TrackingEvent Exec(int tgid) =>
        new TrackingEvent(new ProcessEvent(BpfEventKind.ProcessExec, (uint)tgid, Now, 1, (uint)tgid, 0, default));

    public static TrackingEvent Exit(int tgid) =>
        new TrackingEvent(new ProcessEvent(BpfEventKind.ProcessExit, (uint)tgid, Now, 1, (uint)tgid, 0, default));

    public static TrackingEvent ExecMapped(int tgid) =>
        new TrackingEvent(new MappingEvent(BpfEventKind.ExecMapped, (uint)tgid, Now, (uint)tgid, 5, 0x7f0000000000, 4096, 0, 0, 0));

    public static ApplyTrackingEvents Batch(params TrackingEvent[] events) => new(events);
}
