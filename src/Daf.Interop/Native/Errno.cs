// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop;

/// <summary>Names for the errno values our syscalls report.</summary>
public static class Errno
{
    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, EBADF = 9, EAGAIN = 11, ENOMEM = 12,
        EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, EINVAL = 22, ENFILE = 23, EMFILE = 24, ENOSPC = 28,
        EPIPE = 32, ENOSYS = 38, ENODATA = 61, ENOTSUP = 95, EOPNOTSUPP = 95, ENOBUFS = 105, ECONNREFUSED = 111,
        ETIMEDOUT = 110, EPROTONOSUPPORT = 93, EAFNOSUPPORT = 97;

    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM", ENOENT => "ENOENT", ESRCH => "ESRCH", EINTR => "EINTR", EIO => "EIO", EBADF => "EBADF",
        EAGAIN => "EAGAIN", ENOMEM => "ENOMEM", EACCES => "EACCES", EFAULT => "EFAULT", EBUSY => "EBUSY",
        EEXIST => "EEXIST", EINVAL => "EINVAL", ENFILE => "ENFILE", EMFILE => "EMFILE", ENOSPC => "ENOSPC",
        EPIPE => "EPIPE", ENOSYS => "ENOSYS", ENODATA => "ENODATA", EOPNOTSUPP => "EOPNOTSUPP", ENOBUFS => "ENOBUFS",
        ECONNREFUSED => "ECONNREFUSED", ETIMEDOUT => "ETIMEDOUT", EPROTONOSUPPORT => "EPROTONOSUPPORT",
        EAFNOSUPPORT => "EAFNOSUPPORT",
        _ => "E" + errno.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
