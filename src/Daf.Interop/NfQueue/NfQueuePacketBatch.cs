// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.NfQueue;

/// <summary>
/// Preallocated receive buffers for up to <see cref="Capacity"/> queued packets, filled by one
/// <see cref="NfQueueSocket.Receive"/> call and reused for the next. STUB: replaced by the NFQUEUE work.
/// </summary>
public sealed class NfQueuePacketBatch
{
    private readonly NfQueuePacket[] _packets;

    public NfQueuePacketBatch(int capacity, int messageBufferBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(messageBufferBytes, 256);
        Capacity = capacity;
        _packets = new NfQueuePacket[capacity];
    }

    public int Capacity { get; }

    /// <summary>How many packets the last receive filled in.</summary>
    public int Count { get; internal set; }

    public ref readonly NfQueuePacket this[int index] => ref _packets[index];

    /// <summary>The IP packet bytes (as much as the copy range allowed) of packet <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Payload(int index) => ReadOnlySpan<byte>.Empty;
}
