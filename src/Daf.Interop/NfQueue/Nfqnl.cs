// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.NfQueue;

/// <summary>Message, command and attribute numbers of linux/netfilter/nfnetlink_queue.h.</summary>
public static class Nfqnl
{
    // enum nfqnl_msg_types
    public const byte NFQNL_MSG_PACKET = 0, NFQNL_MSG_VERDICT = 1, NFQNL_MSG_CONFIG = 2, NFQNL_MSG_VERDICT_BATCH = 3;

    // enum nfqnl_msg_config_cmds
    public const byte NFQNL_CFG_CMD_NONE = 0, NFQNL_CFG_CMD_BIND = 1, NFQNL_CFG_CMD_UNBIND = 2,
        NFQNL_CFG_CMD_PF_BIND = 3, NFQNL_CFG_CMD_PF_UNBIND = 4;

    // enum nfqnl_attr_type
    public const ushort NFQA_PACKET_HDR = 1, NFQA_VERDICT_HDR = 2, NFQA_MARK = 3, NFQA_TIMESTAMP = 4,
        NFQA_IFINDEX_INDEV = 5, NFQA_IFINDEX_OUTDEV = 6, NFQA_IFINDEX_PHYSINDEV = 7, NFQA_IFINDEX_PHYSOUTDEV = 8,
        NFQA_HWADDR = 9, NFQA_PAYLOAD = 10, NFQA_CT = 11, NFQA_CT_INFO = 12, NFQA_CAP_LEN = 13, NFQA_SKB_INFO = 14,
        NFQA_EXP = 15, NFQA_UID = 16, NFQA_GID = 17, NFQA_SECCTX = 18, NFQA_VLAN = 19, NFQA_L2HDR = 20,
        NFQA_PRIORITY = 21, NFQA_CGROUP_CLASSID = 22;

    // enum nfqnl_attr_config
    public const ushort NFQA_CFG_CMD = 1, NFQA_CFG_PARAMS = 2, NFQA_CFG_QUEUE_MAXLEN = 3, NFQA_CFG_MASK = 4,
        NFQA_CFG_FLAGS = 5;

    // NFQA_SKB_INFO flags
    public const uint NFQA_SKB_CSUMNOTREADY = 1 << 0, NFQA_SKB_GSO = 1 << 1, NFQA_SKB_CSUM_NOTVERIFIED = 1 << 2;

    /// <summary>struct nfqnl_msg_packet_hdr: __be32 packet_id, __be16 hw_protocol, __u8 hook (packed).</summary>
    public const int PacketHdrSize = 7;
    /// <summary>struct nfqnl_msg_verdict_hdr: __be32 verdict, __be32 id.</summary>
    public const int VerdictHdrSize = 8;
    /// <summary>struct nfqnl_msg_config_cmd: __u8 command, __u8 _pad, __be16 pf.</summary>
    public const int ConfigCmdSize = 4;
    /// <summary>struct nfqnl_msg_config_params: __be32 copy_range, __u8 copy_mode (packed).</summary>
    public const int ConfigParamsSize = 5;
}
