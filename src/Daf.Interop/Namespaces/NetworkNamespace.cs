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
        return RunOnThread("netns " + nsPath, () => Enter(nsPath), body);
    }

    /// <summary>
    /// Runs <paramref name="body"/> on a new thread joined to the namespace <paramref name="ns"/> holds open (whatever
    /// its path names now) and returns its result. The thread checks that it entered the namespace with
    /// <see cref="NamespaceFile.Inode"/> before running the body, then ends: no thread stays in another namespace.
    /// </summary>
    /// <exception cref="PosixException">setns or the check failed (EBADF once <paramref name="ns"/> is disposed).</exception>
    public static T RunIn<T>(NamespaceFile ns, Func<T> body)
    {
        ArgumentNullException.ThrowIfNull(ns);
        return RunOnThread("netns " + ns.Inode, () => Enter(ns), body);
    }

    private static T RunOnThread<T>(string name, Action enter, Func<T> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                enter();
                result = body();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = name,
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

    private static void Enter(NamespaceFile ns)
    {
        if (Sys.setns(ns.Descriptor, Sys.CLONE_NEWNET) < 0)
            throw PosixException.FromLastError($"setns(namespace {ns.Inode}, CLONE_NEWNET)");
        // The descriptor may have been closed and its number reused for another namespace meanwhile.
        ulong entered = GetInode("/proc/thread-self/ns/net");
        if (entered != ns.Inode)
            throw new PosixException($"setns(namespace {ns.Inode}): entered namespace {entered}", Sys.EBADF);
    }

    private static int OpenNamespace(string nsPath) => PathOpen.Open(nsPath, Sys.O_RDONLY);
}
