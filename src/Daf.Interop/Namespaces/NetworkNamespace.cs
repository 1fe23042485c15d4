// SPDX-License-Identifier: Apache-2.0
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Daf.Interop.Posix;
using Sys = Tmds.Linux.LibC;

namespace Daf.Interop.Namespaces;

/// <summary>
/// Runs code inside another network namespace. setns(CLONE_NEWNET) changes only the calling thread, so each
/// call uses a fresh thread that ends afterwards; sockets made there stay in that namespace for life.
/// </summary>
public static unsafe class NetworkNamespace
{
    /// <summary>Runs <paramref name="body"/> on a new thread joined to the namespace at <paramref name="nsPath"/>
    /// (e.g. /run/netns/NAME or /proc/PID/ns/net) and returns its result; its exceptions are rethrown here.</summary>
    /// <exception cref="PosixException">open or setns failed.</exception>
    public static T RunIn<T>(string nsPath, Func<T> body)
    {
        ArgumentNullException.ThrowIfNull(nsPath);
        ArgumentNullException.ThrowIfNull(body);
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Enter(nsPath);
                result = body();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = "netns " + nsPath,
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    /// <summary>The namespace's inode number (st_ino), which identifies it.</summary>
    public static ulong GetInode(string nsPath)
    {
        ArgumentNullException.ThrowIfNull(nsPath);
        Tmds.Linux.stat status;
        int fd = OpenNamespace(nsPath);
        try
        {
            if (Sys.fstat(fd, &status) < 0)
                throw PosixException.FromLastError("fstat(" + nsPath + ")");
        }
        finally
        {
            Sys.close(fd);
        }
        return status.st_ino;
    }

    private static void Enter(string nsPath)
    {
        int fd = OpenNamespace(nsPath);
        try
        {
            if (Sys.setns(fd, Sys.CLONE_NEWNET) < 0)
                throw PosixException.FromLastError("setns(" + nsPath + ", CLONE_NEWNET)");
        }
        finally
        {
            Sys.close(fd);
        }
    }

    private static int OpenNamespace(string nsPath) => PathOpen.Open(nsPath, Sys.O_RDONLY);
}
