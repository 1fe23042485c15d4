// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Bpf;

namespace Daf.Actors.Tracking;

/// <summary>
/// Classifies ring-buffer records and counts them per kind. The reader thread is the only writer; other threads
/// read values that are at most a moment old. Allocates nothing per record.
/// </summary>
internal sealed class ProcessEventCounters
{
    public long Forks;
    public long Execs;
    public long Exits;
    public long Descriptors;
    public long Mappings;
    public long SocketReleases;
    public long ImageEvents;
    public long OtherKinds;
    public long Malformed;

    public void Count(ReadOnlySpan<byte> record)
    {
        if (!BpfEventHeader.TryRead(record, out BpfEventHeader header))
        {
            Increment(ref Malformed);
            return;
        }
        if (DescriptorEvent.IsDescriptorKind(header.Kind))
        {
            Increment(ref DescriptorEvent.TryRead(record, out _) ? ref Descriptors : ref Malformed);
            return;
        }
        if (MappingEvent.IsMappingKind(header.Kind))
        {
            Increment(ref MappingEvent.TryRead(record, out _) ? ref Mappings : ref Malformed);
            return;
        }
        if (header.Kind is BpfEventKind.ExitImage or BpfEventKind.ExecFile)
        {
            Increment(ref ImageEvents);
            return;
        }
        if (header.Kind == BpfEventKind.SocketReleased)
        {
            Increment(ref SocketReleaseEvent.TryRead(record, out _) ? ref SocketReleases : ref Malformed);
            return;
        }
        if (!ProcessEvent.IsProcessKind(header.Kind))
        {
            Increment(ref OtherKinds);
            return;
        }
        if (!ProcessEvent.TryRead(record, out ProcessEvent processEvent))
        {
            Increment(ref Malformed);
            return;
        }
        switch (processEvent.Kind)
        {
            case BpfEventKind.ProcessFork: Increment(ref Forks); break;
            case BpfEventKind.ProcessExec: Increment(ref Execs); break;
            default: Increment(ref Exits); break;
        }
    }

    private static void Increment(ref long counter) => Volatile.Write(ref counter, counter + 1);
}
