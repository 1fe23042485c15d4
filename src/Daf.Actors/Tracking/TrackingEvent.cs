// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Bpf;

namespace Daf.Actors.Tracking;

/// <summary>One decoded ring-buffer event of any tracked kind, in ring order (a value: batches are arrays of these).</summary>
public readonly record struct TrackingEvent
{
    private TrackingEvent(BpfEventKind kind, ProcessEvent process, DescriptorEvent descriptor, MappingEvent mapping)
    {
        Kind = kind;
        Process = process;
        Descriptor = descriptor;
        Mapping = mapping;
    }

    public BpfEventKind Kind { get; }

    /// <summary>Set when <see cref="Kind"/> is a process kind (fork, exec, exit).</summary>
    public ProcessEvent Process { get; }

    /// <summary>Set when <see cref="Kind"/> is a descriptor kind.</summary>
    public DescriptorEvent Descriptor { get; }

    /// <summary>Set when <see cref="Kind"/> is a mapping kind.</summary>
    public MappingEvent Mapping { get; }

    /// <summary>The tgid the event is about.</summary>
    public int Tgid => (int)(ProcessEvent.IsProcessKind(Kind) ? Process.Pid
        : DescriptorEvent.IsDescriptorKind(Kind) ? Descriptor.Pid : Mapping.Pid);

    /// <summary>bpf_ktime_get_ns() when the probe saw it (CLOCK_MONOTONIC).</summary>
    public ulong TimestampNanoseconds => ProcessEvent.IsProcessKind(Kind) ? Process.TimestampNanoseconds
        : DescriptorEvent.IsDescriptorKind(Kind) ? Descriptor.TimestampNanoseconds : Mapping.TimestampNanoseconds;

    public static TrackingEvent From(ProcessEvent process) => new(process.Kind, process, default, default);

    public static TrackingEvent From(DescriptorEvent descriptor) => new(descriptor.Kind, default, descriptor, default);

    public static TrackingEvent From(MappingEvent mapping) => new(mapping.Kind, default, default, mapping);

    /// <summary>Decodes one ring-buffer record of a tracked kind; false for anything else. Never throws.</summary>
    public static bool TryRead(ReadOnlySpan<byte> record, out TrackingEvent trackingEvent)
    {
        trackingEvent = default;
        if (ProcessEvent.TryRead(record, out ProcessEvent process))
            trackingEvent = From(process);
        else if (DescriptorEvent.TryRead(record, out DescriptorEvent descriptor))
            trackingEvent = From(descriptor);
        else if (MappingEvent.TryRead(record, out MappingEvent mapping))
            trackingEvent = From(mapping);
        else
            return false;
        return true;
    }
}
