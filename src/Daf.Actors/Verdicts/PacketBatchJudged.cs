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

    internal void Clear()
    {
        Count = 0;
        EndOfBurst = false;
    }
}
