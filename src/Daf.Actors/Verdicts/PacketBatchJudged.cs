// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Verdicts;

/// <summary>
/// Message from a queue reader to its verdict batcher: the decisions for one received batch, in queue order.
/// The hot path allocates no message per batch: instances come from a <see cref="PacketBatchJudgedPool"/>,
/// the reader fills one, the batcher reads it and gives it back. Once sent it is not touched by the reader.
/// </summary>
public sealed class PacketBatchJudged
{
    private readonly JudgedPacket[] _packets;
    /// <summary>Smallest signed buffer: room for a batch of small signed packets (64 × 92-byte UDP ones) at once.</summary>
    internal const int MinSignedBytes = 8 * 1024;

    /// <summary>
    /// Signed packets of this batch, back to back; allocated on a signing queue's first use, sized by what the batch
    /// signs (doubling), grown rarely, kept. Not sized up front for a batch of MTU-sized packets: the pool makes a new
    /// message whenever the batcher still holds every free one, and a buffer of <see cref="Capacity"/> × 1,600 bytes
    /// (100 KB on the large-object heap) each time was the signing queue's whole per-packet allocation.
    /// </summary>
    private byte[] _signed = [];
    private int _signedLength;

    internal PacketBatchJudged(int capacity) => _packets = new JudgedPacket[capacity];

    public int Count { get; private set; }

    /// <summary>
    /// True when the socket had no more packets after this batch: nothing else is coming to batch
    /// with, so waiting for the timeout would only add latency.
    /// </summary>
    public bool EndOfBurst { get; internal set; }

    public int Capacity => _packets.Length;

    public ReadOnlySpan<JudgedPacket> Packets => _packets.AsSpan(0, Count);

    internal void Add(in JudgedPacket packet) => _packets[Count++] = packet;

    /// <summary>The signed packet that replaces <paramref name="packet"/> (empty when it is not replaced).</summary>
    public ReadOnlySpan<byte> Signed(in JudgedPacket packet) => _signed.AsSpan(packet.SignedOffset, packet.SignedLength);

    /// <summary>Room for one more signed packet of up to <paramref name="length"/> bytes; <see cref="CommitSigned"/> keeps what was written.</summary>
    internal Span<byte> SignedSpace(int length)
    {
        if (_signed.Length - _signedLength < length)
            Array.Resize(ref _signed, Math.Max(_signedLength + length, Math.Max(_signed.Length * 2, MinSignedBytes)));
        return _signed.AsSpan(_signedLength, length);
    }

    /// <summary>Keeps the <paramref name="written"/> bytes last written to <see cref="SignedSpace"/>; returns their offset.</summary>
    internal int CommitSigned(int written)
    {
        int offset = _signedLength;
        _signedLength += written;
        return offset;
    }

    internal void Clear()
    {
        Count = 0;
        EndOfBurst = false;
        _signedLength = 0;
    }
}
