// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Netlink;

namespace Daf.Interop.NfQueue;

/// <summary>
/// A NETLINK_NETFILTER socket bound to one NFQUEUE. Receiving is non-blocking (wait on
/// <see cref="FileDescriptor"/> with poll); verdicts may be sent from any thread.
/// STUB: replaced by the NFQUEUE work.
/// </summary>
public sealed class NfQueueSocket : IDisposable
{
    private NfQueueSocket(NfQueueConfig config) => Config = config;

    public NfQueueConfig Config { get; }

    /// <summary>The socket's descriptor, for poll.</summary>
    public int FileDescriptor => -1;

    /// <summary>Times the kernel reported ENOBUFS (packets it could not deliver to us).</summary>
    public long EnobufsCount => 0;

    /// <summary>The receive buffer size now in force.</summary>
    public int ReceiveBufferBytes => Config.ReceiveBufferBytes;

    /// <summary>Creates the socket in the calling thread's network namespace and binds the queue.</summary>
    /// <exception cref="NetlinkException">A syscall failed or the kernel refused the configuration.</exception>
    public static NfQueueSocket Open(NfQueueConfig config) => throw new NotImplementedException();

    /// <summary>
    /// Reads as many queued packets as are pending, up to the batch's capacity, without blocking.
    /// Returns the number of packets now in <paramref name="batch"/> (0 when none is pending).
    /// ENOBUFS is counted, the buffer grown, and reading continues.
    /// </summary>
    public int Receive(NfQueuePacketBatch batch) => throw new NotImplementedException();

    /// <summary>NFQNL_MSG_VERDICT for one packet.</summary>
    public void SetVerdict(uint packetId, NfVerdict verdict) => throw new NotImplementedException();

    /// <summary>NFQNL_MSG_VERDICT for one packet, also setting its mark.</summary>
    public void SetVerdict(uint packetId, NfVerdict verdict, uint mark) => throw new NotImplementedException();

    /// <summary>NFQNL_MSG_VERDICT_BATCH: decides every queued packet with an id up to <paramref name="maxPacketId"/>.</summary>
    public void SetVerdictBatch(uint maxPacketId, NfVerdict verdict) => throw new NotImplementedException();

    /// <summary>Unbinds the queue and closes the socket. Packets still queued are dropped by the kernel.</summary>
    public void Dispose() { }
}
