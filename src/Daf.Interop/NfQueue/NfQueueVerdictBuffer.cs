// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.NfQueue;

/// <summary>
/// Verdict messages collected for one datagram. The kernel handles the netlink messages of a datagram
/// in order, each as if sent alone (an error in one does not stop the next, and none is acked), so a run
/// of individual and batch verdicts costs one sendto instead of one each, with the same effect.
/// A verdict may carry a replacement packet (NFQA_PAYLOAD: a signed packet); such messages share the
/// datagram with the others, up to <see cref="MaxDatagramBytes"/>.
/// One owner thread; allocated once.
/// </summary>
public sealed class NfQueueVerdictBuffer
{
    /// <summary>Messages per datagram: far below the socket's send buffer.</summary>
    public const int Capacity = 128;

    /// <summary>
    /// Bytes per datagram: netlink refuses a datagram larger than the socket's send buffer (EMSGSIZE; 208 KiB by
    /// default), and one verdict carrying the largest packet (65,535 bytes) must always fit in an empty buffer.
    /// </summary>
    public const int MaxDatagramBytes = 128 * 1024;

    /// <summary>The largest packet a verdict can carry: an attribute's 16-bit nla_len includes its 4-byte header.</summary>
    public const int MaxPayloadBytes = ushort.MaxValue - Netlink.NlAttr.HeaderSize;

    private readonly byte[] _buffer = new byte[MaxDatagramBytes];
    private readonly ushort _queue;
    private int _length;

    public NfQueueVerdictBuffer(ushort queueNumber) => _queue = queueNumber;

    /// <summary>Messages waiting to be sent.</summary>
    public int Count { get; private set; }

    /// <summary>No room for one more verdict without a payload: send first.</summary>
    public bool IsFull => Count == Capacity || MaxDatagramBytes - _length < NfQueueSocket.MaxVerdictMessageBytes;

    /// <summary>True when a verdict carrying <paramref name="payloadLength"/> bytes fits before the buffer is sent.</summary>
    public bool HasRoomFor(int payloadLength) =>
        Count < Capacity && MaxDatagramBytes - _length >= NfQueueSocket.VerdictWithPayloadBytes(payloadLength);

    /// <summary>Appends NFQNL_MSG_VERDICT for one packet.</summary>
    public void AddVerdict(uint packetId, NfVerdict verdict) => Add(Nfqnl.NFQNL_MSG_VERDICT, packetId, verdict);

    /// <summary>Appends NFQNL_MSG_VERDICT_BATCH for every packet up to <paramref name="maxPacketId"/>.</summary>
    public void AddBatchVerdict(uint maxPacketId, NfVerdict verdict) => Add(Nfqnl.NFQNL_MSG_VERDICT_BATCH, maxPacketId, verdict);

    /// <summary>
    /// Appends NFQNL_MSG_VERDICT for one packet with NFQA_PAYLOAD: the kernel replaces the queued packet by
    /// <paramref name="packet"/> (whole, from the IP header) before it applies the verdict.
    /// </summary>
    public void AddVerdictWithPayload(uint packetId, NfVerdict verdict, ReadOnlySpan<byte> packet)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(packet.Length, MaxPayloadBytes);
        if (!HasRoomFor(packet.Length)) throw new InvalidOperationException("verdict buffer full: send it first");
        _length += NfQueueSocket.WriteVerdictWithPayload(_buffer.AsSpan(_length), _queue, packetId, verdict, packet);
        Count++;
    }

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
