// SPDX-License-Identifier: Apache-2.0
using System.Runtime.InteropServices;

#pragma warning disable CS8981 // kernel UAPI struct names

namespace Daf.Interop.Native;

/// <summary>Socket calls and structures Tmds.LibC 0.5.0 lacks (recvmmsg, sockaddr_nl, NETLINK_NETFILTER).</summary>
internal static unsafe partial class LibC
{
    internal const int NETLINK_NETFILTER = 12;
    internal const ushort AF_NETLINK = 16;

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    internal static partial int recvmmsg(int fd, mmsghdr* msgvec, uint vlen, int flags, Tmds.Linux.timespec* timeout);

    /// <summary>struct sockaddr_nl.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct sockaddr_nl
    {
        public ushort nl_family;
        public ushort nl_pad;
        public uint nl_pid;
        public uint nl_groups;
    }

    /// <summary>struct mmsghdr.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct mmsghdr
    {
        public Tmds.Linux.msghdr msg_hdr;
        public uint msg_len;
    }
}
