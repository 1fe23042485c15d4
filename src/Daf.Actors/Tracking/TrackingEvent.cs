// SPDX-License-Identifier: Apache-2.0
using System.Runtime.InteropServices;
using Daf.Interop.Bpf;

namespace Daf.Actors.Tracking;

/// <summary>Which of the three event structs a <see cref="TrackingEvent"/> holds.</summary>
public enum TrackingEventType : byte
{
    Process = 1,
    Descriptor = 2,
    Mapping = 3,
    Socket = 4,
}

/// <summary>
/// One decoded ring-buffer event: a <see cref="ProcessEvent"/>, <see cref="DescriptorEvent"/>, <see cref="MappingEvent"/>
/// or <see cref="SocketReleaseEvent"/> stored in place (they share their storage), so a batch of them is one flat array
/// with no object per event. Read the member that <see cref="Type"/> names; the others hold meaningless bytes.
/// </summary>
[StructLayout(LayoutKind.Explicit)]
public readonly struct TrackingEvent
{
    [FieldOffset(0)] private readonly TrackingEventType _type;
    [FieldOffset(8)] private readonly ProcessEvent _process;
    [FieldOffset(8)] private readonly DescriptorEvent _descriptor;
    [FieldOffset(8)] private readonly MappingEvent _mapping;
    [FieldOffset(8)] private readonly SocketReleaseEvent _socket;

    public TrackingEvent(in ProcessEvent processEvent) : this() => (_type, _process) = (TrackingEventType.Process, processEvent);

    public TrackingEvent(in DescriptorEvent descriptorEvent) : this() =>
        (_type, _descriptor) = (TrackingEventType.Descriptor, descriptorEvent);

    public TrackingEvent(in MappingEvent mappingEvent) : this() => (_type, _mapping) = (TrackingEventType.Mapping, mappingEvent);

    public TrackingEvent(in SocketReleaseEvent socketEvent) : this() => (_type, _socket) = (TrackingEventType.Socket, socketEvent);

    public TrackingEventType Type => _type;

    public BpfEventKind Kind => _type switch
    {
        TrackingEventType.Process => _process.Kind,
        TrackingEventType.Descriptor => _descriptor.Kind,
        TrackingEventType.Socket => _socket.Kind,
        _ => _mapping.Kind,
    };

    /// <summary>The process (tgid) the event is about.</summary>
    public uint Pid => _type switch
    {
        TrackingEventType.Process => _process.Pid,
        TrackingEventType.Descriptor => _descriptor.Pid,
        TrackingEventType.Socket => _socket.Pid,
        _ => _mapping.Pid,
    };

    /// <summary>The process (tgid) the event is about, as the /proc and holder tables number it.</summary>
    public int Tgid => (int)Pid;

    /// <summary>bpf_ktime_get_ns() when the probe saw it (CLOCK_MONOTONIC).</summary>
    public ulong TimestampNanoseconds => _type switch
    {
        TrackingEventType.Process => _process.TimestampNanoseconds,
        TrackingEventType.Descriptor => _descriptor.TimestampNanoseconds,
        TrackingEventType.Socket => _socket.TimestampNanoseconds,
        _ => _mapping.TimestampNanoseconds,
    };

    public static TrackingEvent From(in ProcessEvent processEvent) => new(processEvent);

    public static TrackingEvent From(in DescriptorEvent descriptorEvent) => new(descriptorEvent);

    public static TrackingEvent From(in MappingEvent mappingEvent) => new(mappingEvent);

    public static TrackingEvent From(in SocketReleaseEvent socketEvent) => new(socketEvent);

    public ProcessEvent Process => _type == TrackingEventType.Process ? _process : throw WrongType(TrackingEventType.Process);

    public DescriptorEvent Descriptor =>
        _type == TrackingEventType.Descriptor ? _descriptor : throw WrongType(TrackingEventType.Descriptor);

    public MappingEvent Mapping => _type == TrackingEventType.Mapping ? _mapping : throw WrongType(TrackingEventType.Mapping);

    public SocketReleaseEvent Socket => _type == TrackingEventType.Socket ? _socket : throw WrongType(TrackingEventType.Socket);

    /// <summary>Decodes a ring-buffer record; false for unknown kinds and malformed records. Never throws.</summary>
    public static bool TryRead(ReadOnlySpan<byte> record, out TrackingEvent trackingEvent)
    {
        if (ProcessEvent.TryRead(record, out ProcessEvent process))
            trackingEvent = new TrackingEvent(process);
        else if (DescriptorEvent.TryRead(record, out DescriptorEvent descriptor))
            trackingEvent = new TrackingEvent(descriptor);
        else if (MappingEvent.TryRead(record, out MappingEvent mapping))
            trackingEvent = new TrackingEvent(mapping);
        else if (SocketReleaseEvent.TryRead(record, out SocketReleaseEvent socket))
            trackingEvent = new TrackingEvent(socket);
        else
        {
            trackingEvent = default;
            return false;
        }
        return true;
    }

    public override string ToString() => _type switch
    {
        TrackingEventType.Process => _process.ToString(),
        TrackingEventType.Descriptor => _descriptor.ToString(),
        TrackingEventType.Mapping => _mapping.ToString(),
        TrackingEventType.Socket => _socket.ToString(),
        _ => "(empty)",
    };

    private InvalidOperationException WrongType(TrackingEventType wanted) =>
        new($"this tracking event holds a {_type} event, not a {wanted} event");
}
