// SPDX-License-Identifier: Apache-2.0
using System.Text;
using Daf.Interop.Posix;
using Daf.Interop.Proc;

namespace Daf.Interop.Tests.Proc;

/// <summary>/proc/PID and map_files against the real kernel (root).</summary>
public sealed class ProcessDirectoryTests
{
    [Fact]
    public void Own_maps_read_without_malformed_lines_and_map_files_opens_the_mapped_inode()
    {
        Assert.True(ProcessDirectory.TryOpen(Environment.ProcessId, out ProcessDirectory? directory, out _));
        using (directory)
        {
            Assert.True(directory!.TryOpenMaps(out ProcMapsReader? reader, out _));
            ulong start = 0, end = 0, inode = 0;
            string path = "";
            using (reader)
            {
                while (reader!.TryReadNext(out ProcMapsEntry entry))
                {
                    if (entry.IsExecutable && entry.Inode != 0 && entry.Path.StartsWith("/"u8) && inode == 0)
                        (start, end, inode, path) = (entry.Start, entry.End, entry.Inode, Encoding.UTF8.GetString(entry.Path));
                }
                Assert.Equal(0, reader.MalformedLines);
                Assert.False(reader.Truncated);
                Assert.True(reader.Mappings > 10);
            }
            Assert.NotEqual(0UL, inode);

            Assert.True(directory.TryOpenMappedFile(start, end, out ReadOnlyFile? mapped, out PosixError error), error.ToString());
            using (mapped)
            {
                Assert.True(mapped!.TryGetStatus(out FileStatus status, out _));
                Assert.True(directory.TryGetMappedFileStatus(start, end, out FileStatus linked, out error), error.ToString());
                Assert.Equal(status, linked);
                Assert.Equal(inode, status.Inode);
                Assert.True(status.IsRegularFile);
                Assert.Equal(new FileInfo(path).Length, status.Size);
                Span<byte> elf = stackalloc byte[4];
                Assert.Equal(4, mapped.ReadAt(elf, 0));
                Assert.True(elf.SequenceEqual("\u007fELF"u8));
            }
        }
    }

    [Fact]
    public void Range_that_is_not_a_mapping_is_ENOENT()
    {
        Assert.True(ProcessDirectory.TryOpen(Environment.ProcessId, out ProcessDirectory? directory, out _));
        using (directory)
        {
            Assert.False(directory!.TryOpenMappedFile(0x1000, 0x2000, out _, out PosixError error));
            Assert.Equal(Errno.ENOENT, error.Errno);
            Assert.Contains("map_files/1000-2000", error.Operation);
            Assert.Contains("ENOENT", error.ToString());
            Assert.False(directory.TryGetMappedFileStatus(0x1000, 0x2000, out _, out error));
            Assert.Equal($"stat(/proc/{Environment.ProcessId}/map_files/1000-2000) failed: errno 2 (ENOENT)", error.ToString());
        }
    }

    [Fact]
    public void Missing_process_is_no_such_process_not_an_exception()
    {
        Assert.False(ProcessDirectory.TryOpen(int.MaxValue - 7, out _, out PosixError error));
        Assert.True(error.IsNoSuchProcessOrFile);
        Assert.StartsWith($"open(/proc/{int.MaxValue - 7})", error.ToString());
    }

    [Fact]
    public void Own_status_is_alive_and_kthreadd_is_a_kernel_thread()
    {
        using ProcessDirectory self = Open(Environment.ProcessId);
        Assert.True(self.TryReadStatus(out ProcessStatus status, out _));
        Assert.False(status.HasExited);
        Assert.False(status.IsKernelThread);
        Assert.True(status.VirtualSize > 0);
        Assert.True(self.IsAlive());

        using ProcessDirectory kthreadd = Open(2);
        Assert.True(kthreadd.TryReadStatus(out ProcessStatus kernel, out _));
        Assert.True(kernel.IsKernelThread);
        Assert.False(kernel.HasExited);
    }

    [Fact]
    public void Directory_opened_before_the_process_exits_reports_it_gone()
    {
        using var child = System.Diagnostics.Process.Start("/bin/sleep", "30");
        ProcessDirectory directory = Open(child.Id);
        try
        {
            child.Kill();
            child.WaitForExit();
            Assert.False(directory.IsAlive());
            if (directory.TryOpenMaps(out ProcMapsReader? reader, out PosixError error))
            {
                using (reader)
                    Assert.False(reader!.TryReadNext(out _));
            }
            else
                Assert.True(error.IsNoSuchProcessOrFile, error.ToString());
            Assert.False(directory.TryOpenMappedFile(0x1000, 0x2000, out _, out error));
            Assert.True(error.IsNoSuchProcessOrFile, error.ToString());
        }
        finally
        {
            directory.Dispose();
        }
    }

    [Theory]
    [InlineData("1 (systemd) S 0 1 1 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 1 0 7 171171840 3000", 'S', 4194560u, 171171840UL)]
    [InlineData("77 (a) b) c (d) Z 1 77 77 0 -1 4194564 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0", 'Z', 4194564u, 0UL)]
    [InlineData("2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 7 0 0", 'S', 2129984u, 0UL)]
    public void Stat_line_fields_are_counted_from_the_last_parenthesis(string line, char state, uint flags, ulong vsize)
    {
        Assert.True(ProcessStatus.TryParse(Encoding.ASCII.GetBytes(line), out ProcessStatus status));
        Assert.Equal(new ProcessStatus(state, flags, vsize), status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1 (x")]
    [InlineData("1 (x)")]
    [InlineData("1 (x) S 0 1 1 0 -1 notanumber 1 2 3 4 5 6 7 8 20 0 1 0 7 171171840 3000")]
    [InlineData("1 (x) S 0 1")]
    public void Malformed_stat_lines_are_refused(string line) =>
        Assert.False(ProcessStatus.TryParse(Encoding.ASCII.GetBytes(line), out _));

    private static ProcessDirectory Open(int pid)
    {
        Assert.True(ProcessDirectory.TryOpen(pid, out ProcessDirectory? directory, out PosixError error), error.ToString());
        return directory!;
    }
}
