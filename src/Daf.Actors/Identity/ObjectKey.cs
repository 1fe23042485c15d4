// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Posix;

namespace Daf.Actors.Identity;

/// <summary>One version of a file's content: a digest is reused only while all five stay the same.</summary>
public readonly record struct ObjectKey(ulong Device, ulong Inode, long Size, long ModifiedTimeNs, long ChangedTimeNs)
{
    public static ObjectKey From(in FileStatus status) =>
        new(status.Device, status.Inode, status.Size, status.ModifiedTimeNs, status.ChangedTimeNs);
}
