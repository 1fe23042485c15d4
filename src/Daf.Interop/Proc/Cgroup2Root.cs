// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Native;
using Daf.Interop.Posix;

namespace Daf.Interop.Proc;

/// <summary>
/// The root of the cgroup2 hierarchy (of this cgroup namespace), for attaching cgroup eBPF programs: where
/// /proc/self/mountinfo says it is mounted, or, when this mount namespace has none (`ip netns exec` remounts /sys and
/// so hides /sys/fs/cgroup), a detached cgroup2 mount made with fsopen/fsmount that is attached nowhere: no mount
/// namespace changes, and it is gone with its descriptor (<see cref="Dispose"/>; a program attached meanwhile keeps
/// the cgroup itself).
/// </summary>
public sealed unsafe class Cgroup2Root : IDisposable
{
    private int _fd;

    private Cgroup2Root(string path, int fd)
    {
        Path = path;
        _fd = fd;
    }

    /// <summary>A directory path that opens the root (for a detached mount, /proc/self/fd/N).</summary>
    public string Path { get; }

    /// <summary>The root comes from a detached mount of our own, not from a mount point.</summary>
    public bool Detached => _fd >= 0;

    /// <exception cref="PosixException">No cgroup2 mount and fsopen/fsconfig/fsmount failed (names the call and errno).</exception>
    public static Cgroup2Root Open()
    {
        if (Cgroup2Mount.TryFind(out string mountPoint))
            return new Cgroup2Root(mountPoint, -1);
        int fsFd;
        fixed (byte* name = "cgroup2\0"u8)
            fsFd = LibC.fsopen(name, LibC.FSOPEN_CLOEXEC);
        if (fsFd < 0)
            throw PosixException.FromLastError("fsopen(cgroup2)");
        try
        {
            if (LibC.fsconfig(fsFd, LibC.FSCONFIG_CMD_CREATE, null, null, 0) < 0)
                throw PosixException.FromLastError("fsconfig(cgroup2, FSCONFIG_CMD_CREATE)");
            int mountFd = LibC.fsmount(fsFd, LibC.FSMOUNT_CLOEXEC, 0);
            if (mountFd < 0)
                throw PosixException.FromLastError("fsmount(cgroup2)");
            return new Cgroup2Root($"/proc/self/fd/{mountFd}", mountFd);
        }
        finally
        {
            Tmds.Linux.LibC.close(fsFd);
        }
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
            Tmds.Linux.LibC.close(fd);
    }
}
