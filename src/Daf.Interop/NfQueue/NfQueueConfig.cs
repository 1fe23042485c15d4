// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.NfQueue;

/// <summary>NFQNL_COPY_* from linux/netfilter/nfnetlink_queue.h.</summary>
public enum NfqnlCopyMode : byte
{
    NFQNL_COPY_NONE = 0,
    NFQNL_COPY_META = 1,
    NFQNL_COPY_PACKET = 2,
}

/// <summary>NFQA_CFG_F_* from linux/netfilter/nfnetlink_queue.h.</summary>
[Flags]
public enum NfqaCfgFlags : uint
{
    None = 0,
    NFQA_CFG_F_FAIL_OPEN = 1 << 0,
    NFQA_CFG_F_CONNTRACK = 1 << 1,
    NFQA_CFG_F_GSO = 1 << 2,
    NFQA_CFG_F_UID_GID = 1 << 3,
    NFQA_CFG_F_SECCTX = 1 << 4,
}

/// <summary>How one NFQUEUE is bound and read.</summary>
public sealed record NfQueueConfig
{
    public required ushort QueueNumber { get; init; }
    public NfqnlCopyMode CopyMode { get; init; } = NfqnlCopyMode.NFQNL_COPY_PACKET;
    /// <summary>Bytes of each packet copied to user space (NFQA_CFG_PARAMS copy range).</summary>
    public uint CopyRange { get; init; } = 0xFFFF;
    /// <summary>NFQA_CFG_QUEUE_MAXLEN; 0 keeps the kernel's default (1024).</summary>
    public uint MaxQueueLength { get; init; }
    public NfqaCfgFlags Flags { get; init; } = NfqaCfgFlags.None;
    /// <summary>Initial SO_RCVBUF in bytes.</summary>
    public int ReceiveBufferBytes { get; init; } = 1 << 20;
    /// <summary>On ENOBUFS the receive buffer doubles up to this (SO_RCVBUFFORCE).</summary>
    public int MaxReceiveBufferBytes { get; init; } = 16 << 20;
    /// <summary>How many packets one receive call may return (recvmmsg depth).</summary>
    public int BatchDepth { get; init; } = 64;
}
