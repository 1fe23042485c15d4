// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using Daf.Interop.Native;
using Daf.Interop.Netlink;
using Daf.Interop.Posix;

namespace Daf.Interop.NfQueue;

/// <summary>
/// A NETLINK_NETFILTER socket bound to one NFQUEUE. Receiving is non-blocking (wait on
/// <see cref="FileDescriptor"/> with poll); verdicts may be sent from any thread, also while another thread
/// receives. <see cref="Receive"/> itself is for one thread at a time.
/// </summary>
public sealed class NfQueueSocket : IDisposable
{
    internal const int MaxVerdictMessageBytes = 64;
    private const long ConfigAckTimeoutNanoseconds = 5_000_000_000;
    private const int MaxEnobufsRetries = 8;

    private readonly NetlinkSocket _socket;
    private readonly string _verdictOperation;
    private readonly string _verdictBatchOperation;
    private readonly string _receiveOperation;
    private long _enobufs;
    private long _kernelErrors;
    private long _truncated;
    private int _lastKernelErrno;
    private int _receiveBufferBytes;
    private int _disposed;
    private uint _sequence;

    private NfQueueSocket(NfQueueConfig config, NetlinkSocket socket)
    {
        Config = config;
        _socket = socket;
        _receiveBufferBytes = config.ReceiveBufferBytes;
        _verdictOperation = Describe("NFQNL_MSG_VERDICT", config.QueueNumber);
        _verdictBatchOperation = Describe("NFQNL_MSG_VERDICT_BATCH", config.QueueNumber);
        _receiveOperation = Describe("recvmmsg", config.QueueNumber);
    }

    public NfQueueConfig Config { get; }

    /// <summary>The socket's descriptor, for poll (-1 once disposed).</summary>
    public int FileDescriptor => _socket.FileDescriptor;

    /// <summary>Times the kernel reported ENOBUFS (packets it could not deliver to us).</summary>
    public long EnobufsCount => Interlocked.Read(ref _enobufs);

    /// <summary>NLMSG_ERROR messages with an error that arrived among the packets (e.g. a verdict for an unknown id).</summary>
    public long KernelErrorCount => Interlocked.Read(ref _kernelErrors);

    /// <summary>The errno of the last such error message (0 when none came).</summary>
    public int LastKernelErrno => Volatile.Read(ref _lastKernelErrno);

    /// <summary>Datagrams larger than the batch's per-message buffer (MSG_TRUNC); their payload is cut short.</summary>
    public long TruncatedCount => Interlocked.Read(ref _truncated);

    /// <summary>The receive buffer size now in force (as requested; the kernel reports twice this).</summary>
    public int ReceiveBufferBytes => Volatile.Read(ref _receiveBufferBytes);

    /// <summary>Creates the socket in the calling thread's network namespace and binds the queue.</summary>
    /// <exception cref="NetlinkException">A syscall failed or the kernel refused the configuration.</exception>
    public static NfQueueSocket Open(NfQueueConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfLessThan(config.BatchDepth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(config.ReceiveBufferBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(config.MaxReceiveBufferBytes, config.ReceiveBufferBytes);

        var queue = new NfQueueSocket(config, NetlinkSocket.Open(LibC.NETLINK_NETFILTER));
        try
        {
            int errno = queue._socket.TrySetReceiveBuffer(config.ReceiveBufferBytes);
            if (errno != 0)
                throw new NetlinkException(Describe("setsockopt(SO_RCVBUF)", config.QueueNumber), errno);
            queue.Configure();
            return queue;
        }
        catch
        {
            queue.Dispose();
            throw;
        }
    }

    /// <summary>A batch sized for this queue's copy range and <see cref="NfQueueConfig.BatchDepth"/>.</summary>
    public NfQueuePacketBatch CreateBatch() => NfQueuePacketBatch.For(Config);

    /// <summary>
    /// Reads as many queued packets as are pending, up to the batch's capacity, without blocking.
    /// Returns the number of packets now in <paramref name="batch"/> (0 when none is pending).
    /// ENOBUFS is counted, the buffer grown, and reading continues.
    /// </summary>
    public unsafe int Receive(NfQueuePacketBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        batch.Clear();
        int received;
        int enobufsRetries = 0;
        while (true)
        {
            received = _socket.ReceiveMany(batch.Headers, batch.Capacity);
            if (received >= 0)
                break;
            int errno = -received;
            if (errno == Errno.EAGAIN)
                return 0;
            if (errno == Errno.ENOBUFS)
            {
                Interlocked.Increment(ref _enobufs);
                GrowReceiveBuffer();
                if (++enobufsRetries > MaxEnobufsRetries)
                    return 0;
                continue;
            }
            if (errno != Errno.EINTR)
                throw new NetlinkException(_receiveOperation, errno);
        }

        int kernelErrors = 0, lastKernelErrno = 0;
        for (int i = 0; i < received; i++)
        {
            if ((batch.DatagramFlags(i) & Tmds.Linux.LibC.MSG_TRUNC) != 0)
                Interlocked.Increment(ref _truncated);
            NfQueuePacketParser.ParseDatagram(batch.Datagram(i), batch.DatagramOffset(i), batch, ref kernelErrors, ref lastKernelErrno);
        }
        if (kernelErrors != 0)
        {
            Interlocked.Add(ref _kernelErrors, kernelErrors);
            Volatile.Write(ref _lastKernelErrno, lastKernelErrno);
        }
        return batch.Count;
    }

    /// <summary>NFQNL_MSG_VERDICT for one packet.</summary>
    public void SetVerdict(uint packetId, NfVerdict verdict) =>
        SendVerdict(Nfqnl.NFQNL_MSG_VERDICT, packetId, verdict, withMark: false, 0);

    /// <summary>NFQNL_MSG_VERDICT for one packet, also setting its mark.</summary>
    public void SetVerdict(uint packetId, NfVerdict verdict, uint mark) =>
        SendVerdict(Nfqnl.NFQNL_MSG_VERDICT, packetId, verdict, withMark: true, mark);

    /// <summary>NFQNL_MSG_VERDICT_BATCH: decides every queued packet with an id up to <paramref name="maxPacketId"/>.</summary>
    public void SetVerdictBatch(uint maxPacketId, NfVerdict verdict) =>
        SendVerdict(Nfqnl.NFQNL_MSG_VERDICT_BATCH, maxPacketId, verdict, withMark: false, 0);

    /// <summary>NFQNL_MSG_VERDICT_BATCH that also sets the mark of every packet it decides.</summary>
    public void SetVerdictBatch(uint maxPacketId, NfVerdict verdict, uint mark) =>
        SendVerdict(Nfqnl.NFQNL_MSG_VERDICT_BATCH, maxPacketId, verdict, withMark: true, mark);

    /// <summary>Sends every verdict collected in <paramref name="verdicts"/> in one datagram, then empties it.</summary>
    public void Send(NfQueueVerdictBuffer verdicts)
    {
        if (verdicts.Count == 0) return;
        int errno = _socket.TrySend(verdicts.Written);
        verdicts.Clear();
        if (errno != 0)
            throw new NetlinkException(_verdictOperation, errno);
    }

    /// <summary>Unbinds the queue and closes the socket. Packets still queued are dropped by the kernel.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        if (_socket.FileDescriptor >= 0)
        {
            Span<byte> buffer = stackalloc byte[MaxVerdictMessageBytes];
            var writer = new NetlinkMessageWriter(buffer);
            BeginConfigMessage(ref writer, 0, NlMsgHdr.NLM_F_REQUEST);
            AppendConfigCommand(ref writer, Nfqnl.NFQNL_CFG_CMD_UNBIND);
            writer.EndMessage();
            _socket.TrySend(writer.Written);
        }
        _socket.Dispose();
    }

    private void SendVerdict(byte messageType, uint packetId, NfVerdict verdict, bool withMark, uint mark)
    {
        Span<byte> buffer = stackalloc byte[MaxVerdictMessageBytes];
        int length = WriteVerdict(buffer, Config.QueueNumber, messageType, packetId, verdict, withMark, mark);
        _socket.Send(buffer[..length], messageType == Nfqnl.NFQNL_MSG_VERDICT ? _verdictOperation : _verdictBatchOperation);
    }

    /// <summary>NFQNL_MSG_VERDICT for one packet, replacing it by <paramref name="packet"/> (NFQA_PAYLOAD) first.</summary>
    public void SetVerdict(uint packetId, NfVerdict verdict, ReadOnlySpan<byte> packet)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(packet.Length, NfQueueVerdictBuffer.MaxPayloadBytes);
        var buffer = new byte[VerdictWithPayloadBytes(packet.Length)];
        int length = WriteVerdictWithPayload(buffer, Config.QueueNumber, packetId, verdict, packet);
        _socket.Send(buffer.AsSpan(0, length), _verdictOperation);
    }

    /// <summary>The length of an NFQNL_MSG_VERDICT carrying a packet of <paramref name="packetLength"/> bytes.</summary>
    public static int VerdictWithPayloadBytes(int packetLength) =>
        NlMsgHdr.Size + NfGenMsg.Size + NlAttr.HeaderSize + Nfqnl.VerdictHdrSize + NlAttr.HeaderSize + ((packetLength + 3) & ~3);

    /// <summary>Writes NFQNL_MSG_VERDICT with NFQA_VERDICT_HDR and NFQA_PAYLOAD (no ack requested); returns its length.</summary>
    internal static int WriteVerdictWithPayload(Span<byte> buffer, ushort queue, uint packetId, NfVerdict verdict, ReadOnlySpan<byte> packet)
    {
        var writer = new NetlinkMessageWriter(buffer);
        writer.BeginMessage(NfGenMsg.MessageType(NfGenMsg.NFNL_SUBSYS_QUEUE, Nfqnl.NFQNL_MSG_VERDICT), NlMsgHdr.NLM_F_REQUEST, 0);
        writer.AppendNfGenMsg(0, queue);
        Span<byte> header = writer.AppendAttribute(Nfqnl.NFQA_VERDICT_HDR, Nfqnl.VerdictHdrSize);
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)verdict);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], packetId);
        packet.CopyTo(writer.AppendAttribute(Nfqnl.NFQA_PAYLOAD, packet.Length));
        writer.EndMessage();
        return writer.Written.Length;
    }

    /// <summary>Writes an NFQNL_MSG_VERDICT or NFQNL_MSG_VERDICT_BATCH message (no ack requested); returns its length.</summary>
    internal static int WriteVerdict(Span<byte> buffer, ushort queue, byte messageType, uint packetId, NfVerdict verdict, bool withMark, uint mark)
    {
        var writer = new NetlinkMessageWriter(buffer);
        writer.BeginMessage(NfGenMsg.MessageType(NfGenMsg.NFNL_SUBSYS_QUEUE, messageType), NlMsgHdr.NLM_F_REQUEST, 0);
        writer.AppendNfGenMsg(0, queue);
        Span<byte> header = writer.AppendAttribute(Nfqnl.NFQA_VERDICT_HDR, Nfqnl.VerdictHdrSize);
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)verdict);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], packetId);
        if (withMark)
            writer.AppendUInt32BigEndian(Nfqnl.NFQA_MARK, mark);
        writer.EndMessage();
        return writer.Written.Length;
    }

    /// <summary>
    /// Sends BIND, PARAMS, QUEUE_MAXLEN and FLAGS as separate acked messages in one datagram (the kernel handles
    /// them in order, so the window in which a packet sees the default copy mode is tiny), then waits for
    /// every ack and reports the first refusal by name.
    /// </summary>
    private void Configure()
    {
        Span<byte> buffer = stackalloc byte[256];
        Span<uint> sequences = stackalloc uint[4];
        var operations = new string[4];
        int count = 0;
        var writer = new NetlinkMessageWriter(buffer);
        const ushort acked = NlMsgHdr.NLM_F_REQUEST | NlMsgHdr.NLM_F_ACK;

        sequences[count] = ++_sequence;
        operations[count++] = Describe("NFQNL_CFG_CMD_BIND", Config.QueueNumber);
        BeginConfigMessage(ref writer, sequences[count - 1], acked);
        AppendConfigCommand(ref writer, Nfqnl.NFQNL_CFG_CMD_BIND);
        writer.EndMessage();

        sequences[count] = ++_sequence;
        operations[count++] = Describe("NFQA_CFG_PARAMS", Config.QueueNumber);
        BeginConfigMessage(ref writer, sequences[count - 1], acked);
        Span<byte> parameters = writer.AppendAttribute(Nfqnl.NFQA_CFG_PARAMS, Nfqnl.ConfigParamsSize);
        BinaryPrimitives.WriteUInt32BigEndian(parameters, Config.CopyRange);
        parameters[4] = (byte)Config.CopyMode;
        writer.EndMessage();

        if (Config.MaxQueueLength != 0)
        {
            sequences[count] = ++_sequence;
            operations[count++] = Describe("NFQA_CFG_QUEUE_MAXLEN", Config.QueueNumber);
            BeginConfigMessage(ref writer, sequences[count - 1], acked);
            writer.AppendUInt32BigEndian(Nfqnl.NFQA_CFG_QUEUE_MAXLEN, Config.MaxQueueLength);
            writer.EndMessage();
        }

        if (Config.Flags != NfqaCfgFlags.None)
        {
            sequences[count] = ++_sequence;
            operations[count++] = Describe("NFQA_CFG_FLAGS " + Config.Flags.ToString(), Config.QueueNumber);
            BeginConfigMessage(ref writer, sequences[count - 1], acked);
            writer.AppendUInt32BigEndian(Nfqnl.NFQA_CFG_FLAGS, (uint)Config.Flags);
            writer.AppendUInt32BigEndian(Nfqnl.NFQA_CFG_MASK, (uint)Config.Flags);
            writer.EndMessage();
        }

        _socket.Send(writer.Written, operations[0]);
        AwaitAcks(sequences[..count], operations);
    }

    private void AwaitAcks(ReadOnlySpan<uint> sequences, string[] operations)
    {
        Span<int> results = stackalloc int[sequences.Length];
        results.Fill(-1);
        int pending = sequences.Length;
        var batch = new NfQueuePacketBatch(8, NfQueuePacketBatch.MessageBytesFor(Config.CopyRange));
        long deadline = Environment.TickCount64 + ConfigAckTimeoutNanoseconds / 1_000_000;
        Span<int> fds = [FileDescriptor];
        Span<bool> readable = stackalloc bool[1];

        while (pending > 0)
        {
            long remainingMs = deadline - Environment.TickCount64;
            if (remainingMs <= 0)
                throw new NetlinkException(operations[results.IndexOf(-1)] + " (waiting for the ack)", Errno.ETIMEDOUT);
            Poller.Wait(fds, readable, remainingMs * 1_000_000);

            unsafe
            {
                int received = _socket.ReceiveMany(batch.Headers, batch.Capacity);
                if (received == -Errno.ENOBUFS)
                    Interlocked.Increment(ref _enobufs);
                else if (received < 0 && received != -Errno.EAGAIN && received != -Errno.EINTR)
                    throw new NetlinkException(_receiveOperation, -received);
                for (int i = 0; i < received; i++)
                    pending -= HandleConfigReply(batch.Datagram(i), sequences, results);
            }
        }

        for (int i = 0; i < sequences.Length; i++)
        {
            if (results[i] != 0)
                throw new NetlinkException(operations[i], results[i]);
        }
    }

    /// <summary>
    /// Records acks for our sequences; a packet queued while the configuration was being applied is given
    /// NF_REPEAT so that it passes the hook again and comes back fully configured.
    /// </summary>
    private int HandleConfigReply(ReadOnlySpan<byte> datagram, ReadOnlySpan<uint> sequences, Span<int> results)
    {
        int answered = 0;
        var reader = new NetlinkMessageReader(datagram);
        while (reader.TryRead(out NetlinkMessage message))
        {
            if (message.Type == NlMsgHdr.NLMSG_ERROR)
            {
                if (NlMsgErr.TryParse(message.Payload, out int errno, out uint sequence))
                {
                    int index = sequences.IndexOf(sequence);
                    if (index >= 0 && results[index] < 0)
                    {
                        results[index] = errno;
                        answered++;
                    }
                }
            }
            else if (NfQueuePacketParser.TryParse(message, 0, out NfQueuePacket packet))
            {
                SetVerdict(packet.PacketId, NfVerdict.NF_REPEAT);
            }
        }
        return answered;
    }

    private void BeginConfigMessage(ref NetlinkMessageWriter writer, uint sequence, ushort flags)
    {
        writer.BeginMessage(NfGenMsg.MessageType(NfGenMsg.NFNL_SUBSYS_QUEUE, Nfqnl.NFQNL_MSG_CONFIG), flags, sequence);
        writer.AppendNfGenMsg(0, Config.QueueNumber);
    }

    private static void AppendConfigCommand(ref NetlinkMessageWriter writer, byte command)
    {
        Span<byte> value = writer.AppendAttribute(Nfqnl.NFQA_CFG_CMD, Nfqnl.ConfigCmdSize);
        value[0] = command;
    }

    private void GrowReceiveBuffer()
    {
        int current = _receiveBufferBytes;
        if (current >= Config.MaxReceiveBufferBytes)
            return;
        int next = (int)Math.Min((long)current * 2, Config.MaxReceiveBufferBytes);
        if (_socket.TrySetReceiveBuffer(next) == 0)
            Volatile.Write(ref _receiveBufferBytes, next);
    }

    private static string Describe(string operation, ushort queue) =>
        operation + " queue " + queue.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
