// SPDX-License-Identifier: Apache-2.0
using System.Runtime.InteropServices;

namespace Daf.Interop.Native;

/// <summary>ioctl(2) on nsfs files (linux/nsfs.h), which Tmds.LibC 0.5.0 does not declare.</summary>
internal static partial class LibC
{
    /// <summary>_IO(NSIO, 0x3): returns the CLONE_NEW* type of the namespace the file refers to.</summary>
    internal const nuint NS_GET_NSTYPE = 0xB703;
    internal const int CLONE_NEWNET = 0x40000000;

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int ioctl(int fd, nuint request);
}
