// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.NfQueue;

/// <summary>Netfilter verdicts (NF_DROP, NF_ACCEPT, ... from linux/netfilter.h).</summary>
public enum NfVerdict : uint
{
    NF_DROP = 0,
    NF_ACCEPT = 1,
    NF_STOLEN = 2,
    NF_QUEUE = 3,
    NF_REPEAT = 4,
    NF_STOP = 5,
}
