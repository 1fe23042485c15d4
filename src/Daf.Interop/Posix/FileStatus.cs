// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Posix;

/// <summary>What fstat(2) says about an open file: the fields that identify a version of its content.</summary>
public readonly record struct FileStatus(
    ulong Device, ulong Inode, uint Mode, ulong LinkCount, long Size, long ModifiedTimeNs, long ChangedTimeNs)
{
    private const uint S_IFMT = 0xF000, S_IFREG = 0x8000;

    public bool IsRegularFile => (Mode & S_IFMT) == S_IFREG;

    /// <summary>st_uid: the owner.</summary>
    public uint OwnerUid { get; init; }

    internal static unsafe FileStatus From(in Tmds.Linux.stat status) => new(
        status.st_dev, status.st_ino, (uint)status.st_mode, status.st_nlink, status.st_size,
        Nanoseconds(status.st_mtim), Nanoseconds(status.st_ctim))
    {
        OwnerUid = status.st_uid,
    };

    private static long Nanoseconds(in Tmds.Linux.timespec time) => (long)time.tv_sec * 1_000_000_000L + (long)time.tv_nsec;
}
