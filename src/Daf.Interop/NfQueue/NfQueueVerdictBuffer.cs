// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.NfQueue;

/// <summary>
/// Verdict messages collected for one datagram. The kernel handles the netlink messages of a datagram
/// in order, each as if sent alone (an error in one does not stop the next, and none is acked), so a run
/// of individual and batch verdicts costs one sendto instead of one each, with the same effect.
/// One owner thread; allocated once.
/// </summary>
public sealed class NfQueueVerdictBuffer
{
    /// <summary>Messages per datagram: far below the socket's send buffer.</summary>
    public const int Capacity = 128;

    private readonly byte[] _buffer = new byte[Capacity * NfQueueSocket.MaxVerdictMessageBytes];
    private readonly ushort _queue;
    private int _length;

    public NfQueueVerdictBuffer(ushort queueNumber) => _queue = queueNumber;

    /// <summary>Messages waiting to be sent.</summary>
    public int Count { get; private set; }

    public bool IsFull => Count == Capacity;

    /// <summary>Appends NFQNL_MSG_VERDICT for one packet.</summary>
    public void AddVerdict(uint packetId, NfVerdict verdict) => Add(Nfqnl.NFQNL_MSG_VERDICT, packetId, verdict);

    /// <summary>Appends NFQNL_MSG_VERDICT_BATCH for every packet up to <paramref name="maxPacketId"/>.</summary>
    public void AddBatchVerdict(uint maxPacketId, NfVerdict verdict) => Add(Nfqnl.NFQNL_MSG_VERDICT_BATCH, maxPacketId, verdict);

    private void Add(byte messageType, uint packetId, NfVerdict verdict)
    {
        if (IsFull) throw new InvalidOperationException("verdict buffer full: send it first");
        _length += NfQueueSocket.WriteVerdict(_buffer.AsSpan(_length), _queue, messageType, packetId, verdict, withMark: false, 0);
        Count++;
    }

    internal ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    internal void Clear()
    {
        _length = 0;
        Count = 0;
    }
}
