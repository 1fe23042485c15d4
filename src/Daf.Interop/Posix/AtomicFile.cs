// SPDX-License-Identifier: Apache-2.0
using Sys = Tmds.Linux.LibC;

namespace Daf.Interop.Posix;

/// <summary>
/// Replaces a file so that after a crash (even a power loss) it holds either the old or the new content,
/// never a mix or nothing: write a temporary file beside it, fsync it, rename it over the target, fsync
/// the directory so the rename itself is durable.
/// </summary>
public static class AtomicFile
{
    /// <exception cref="IOException">Writing, flushing or renaming failed.</exception>
    /// <exception cref="PosixException">open or fsync of the directory failed.</exception>
    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        string fullPath = System.IO.Path.GetFullPath(path);
        string directory = System.IO.Path.GetDirectoryName(fullPath) ?? "/";
        string temporary = fullPath + ".tmp";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = mode;
            using (var file = new FileStream(temporary, options))
            {
                file.Write(content);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            if (File.Exists(temporary))
                File.Delete(temporary);
            throw;
        }
        SyncDirectory(directory);
    }

    private static void SyncDirectory(string directory)
    {
        int fd = PathOpen.Open(directory, Sys.O_RDONLY | Sys.O_DIRECTORY, "O_DIRECTORY");
        try
        {
            if (Sys.fsync(fd) < 0)
                throw PosixException.FromLastError("fsync(" + directory + ")");
        }
        finally
        {
            Sys.close(fd);
        }
    }
}
