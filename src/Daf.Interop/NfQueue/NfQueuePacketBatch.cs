// SPDX-License-Identifier: Apache-2.0
using System.Runtime.CompilerServices;
using Daf.Interop.Native;

namespace Daf.Interop.NfQueue;

/// <summary>
/// Preallocated receive buffers for up to <see cref="Capacity"/> queued packets, filled by one
/// <see cref="NfQueueSocket.Receive"/> call and reused for the next. The buffers live on the pinned object
/// heap, so spans returned here stay valid (and the memory alive) while they are in use, until the next
/// receive overwrites them. Not thread-safe: one reader per batch.
/// </summary>
public sealed unsafe class NfQueuePacketBatch
{
    /// <summary>Room for the netlink, nfgenmsg and attribute headers that precede the payload.</summary>
    public const int MessageOverheadBytes = 1024;

    private readonly byte[] _buffer;
    private readonly LibC.mmsghdr[] _headers;
    private readonly Tmds.Linux.iovec[] _iovecs;
    private NfQueuePacket[] _packets;

    public NfQueuePacketBatch(int capacity, int messageBufferBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(messageBufferBytes, 256);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((long)capacity * messageBufferBytes, int.MaxValue);
        Capacity = capacity;
        MessageBufferBytes = messageBufferBytes;
        _packets = new NfQueuePacket[capacity];
        _buffer = GC.AllocateUninitializedArray<byte>(capacity * messageBufferBytes, pinned: true);
        _headers = GC.AllocateArray<LibC.mmsghdr>(capacity, pinned: true);
        _iovecs = GC.AllocateArray<Tmds.Linux.iovec>(capacity, pinned: true);

        byte* buffer = (byte*)Unsafe.AsPointer(ref _buffer[0]);
        Tmds.Linux.iovec* iovecs = (Tmds.Linux.iovec*)Unsafe.AsPointer(ref _iovecs[0]);
        for (int i = 0; i < capacity; i++)
        {
            iovecs[i].iov_base = buffer + (long)i * messageBufferBytes;
            iovecs[i].iov_len = (Tmds.Linux.size_t)(uint)messageBufferBytes;
            _headers[i].msg_hdr.msg_iov = iovecs + i;
            _headers[i].msg_hdr.msg_iovlen = 1;
        }
    }

    /// <summary>A batch whose buffers hold a whole message for the given copy range.</summary>
    public static NfQueuePacketBatch For(NfQueueConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new NfQueuePacketBatch(config.BatchDepth, MessageBytesFor(config.CopyRange));
    }

    /// <summary>Buffer bytes per message: the copy range (at most 65535) plus header room, 8-aligned.</summary>
    public static int MessageBytesFor(uint copyRange) =>
        ((int)Math.Min(copyRange, ushort.MaxValue) + MessageOverheadBytes + 7) & ~7;

    /// <summary>How many datagrams one receive may read (the recvmmsg depth).</summary>
    public int Capacity { get; }

    public int MessageBufferBytes { get; }

    /// <summary>How many packets the last receive filled in.</summary>
    public int Count { get; internal set; }

    public ref readonly NfQueuePacket this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            return ref _packets[index];
        }
    }

    /// <summary>The IP packet bytes (as much as the copy range allowed) of packet <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Payload(int index)
    {
        ref readonly NfQueuePacket packet = ref this[index];
        return new ReadOnlySpan<byte>(_buffer, packet.PayloadOffset, packet.PayloadLength);
    }

    /// <summary>The raw NFQNL_MSG_PACKET message (nlmsghdr first) of packet <paramref name="index"/>, e.g. for capture.</summary>
    public ReadOnlySpan<byte> Message(int index)
    {
        ref readonly NfQueuePacket packet = ref this[index];
        return new ReadOnlySpan<byte>(_buffer, packet.MessageOffset, packet.MessageLength);
    }

    internal LibC.mmsghdr* Headers => (LibC.mmsghdr*)Unsafe.AsPointer(ref _headers[0]);

    /// <summary>The bytes recvmmsg put in slot <paramref name="slot"/> (at most the slot's size).</summary>
    internal ReadOnlySpan<byte> Datagram(int slot) =>
        new(_buffer, slot * MessageBufferBytes, (int)Math.Min(_headers[slot].msg_len, (uint)MessageBufferBytes));

    internal int DatagramOffset(int slot) => slot * MessageBufferBytes;

    internal int DatagramFlags(int slot) => _headers[slot].msg_hdr.msg_flags;

    internal void Clear() => Count = 0;

    /// <summary>Adds a parsed packet; grows only if one datagram carried several packets (not seen in practice).</summary>
    internal void Add(in NfQueuePacket packet)
    {
        if (Count == _packets.Length)
            Array.Resize(ref _packets, _packets.Length * 2);
        _packets[Count++] = packet;
    }
}
