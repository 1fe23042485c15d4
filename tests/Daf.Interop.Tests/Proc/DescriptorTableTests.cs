// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Daf.Interop.Posix;
using Daf.Interop.Proc;
using Xunit.Abstractions;

namespace Daf.Interop.Tests.Proc;

/// <summary>/proc/PID/fd and /proc against the real kernel (root), with sockets of this test process.</summary>
public sealed class DescriptorTableTests(ITestOutputHelper output)
{
    private static ulong InodeOf(Socket socket)
    {
        string link = new FileInfo($"/proc/self/fd/{socket.Handle}").LinkTarget!;
        Assert.True(SocketLink.TryParse(System.Text.Encoding.ASCII.GetBytes(link), out ulong inode), link);
        return inode;
    }

    private static List<SocketDescriptor> ReadOwnSockets()
    {
        Assert.True(ProcessDirectory.TryOpen(Environment.ProcessId, out ProcessDirectory? directory, out PosixError error), error.ToString());
        var sockets = new List<SocketDescriptor>();
        using (directory)
            Assert.True(directory!.TryReadSocketDescriptors(sockets, out error), error.ToString());
        return sockets;
    }

    [Fact]
    public void Socket_descriptors_of_a_process_are_listed_with_their_inodes()
    {
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        using var tcp = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        using var file = File.OpenRead("/proc/self/stat");
        List<SocketDescriptor> sockets = ReadOwnSockets();

        Assert.Contains(new SocketDescriptor((int)udp.Handle, InodeOf(udp)), sockets);
        Assert.Contains(new SocketDescriptor((int)tcp.Handle, InodeOf(tcp)), sockets);
        Assert.DoesNotContain(sockets, s => s.Fd == (int)file.SafeFileHandle.DangerousGetHandle());
    }

    [Fact]
    public void A_thousand_sockets_above_fd_255_are_read_whole_and_quickly()
    {
        var opened = new List<Socket>();
        try
        {
            for (int i = 0; i < 1000; i++)
                opened.Add(new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
            Assert.Contains(opened, s => (int)s.Handle > 255);
            var expected = opened.Select(s => new SocketDescriptor((int)s.Handle, InodeOf(s))).ToHashSet();

            var clock = Stopwatch.StartNew();
            List<SocketDescriptor> sockets = ReadOwnSockets();
            TimeSpan elapsed = clock.Elapsed;
            output.WriteLine($"read {sockets.Count} socket descriptors in {elapsed.TotalMilliseconds:F2} ms");

            Assert.Subset(sockets.ToHashSet(), expected);
            Assert.True(elapsed < TimeSpan.FromMilliseconds(500), $"{elapsed.TotalMilliseconds} ms");
        }
        finally
        {
            foreach (Socket socket in opened)
                socket.Dispose();
        }
    }

    [Fact]
    public void Process_that_is_gone_answers_ENOENT()
    {
        Assert.False(ProcessDirectory.TryOpen(int.MaxValue - 1, out _, out PosixError error));
        Assert.Equal(Errno.ENOENT, error.Errno);
    }

    [Fact]
    public void Thread_groups_list_processes_not_threads()
    {
        var threads = Directory.GetDirectories($"/proc/{Environment.ProcessId}/task").Select(d => int.Parse(Path.GetFileName(d))).ToList();
        Assert.True(threads.Count > 1, "the test host runs several threads");
        var tgids = new List<int>();
        ThreadGroups.List(tgids);

        Assert.Contains(Environment.ProcessId, tgids);
        Assert.Contains(1, tgids);
        Assert.All(threads.Where(t => t != Environment.ProcessId), t => Assert.DoesNotContain(t, tgids));
        Assert.Equal(tgids.Count, tgids.Distinct().Count());
    }

    [Fact]
    public void Whole_system_scan_is_measured()
    {
        var tgids = new List<int>();
        var sockets = new List<SocketDescriptor>();
        int processes = 0, socketCount = 0;
        var clock = Stopwatch.StartNew();
        ThreadGroups.List(tgids);
        foreach (int tgid in tgids)
        {
            if (!ProcessDirectory.TryOpen(tgid, out ProcessDirectory? directory, out _))
                continue;
            using (directory)
            {
                if (directory!.TryReadSocketDescriptors(sockets, out _))
                {
                    processes++;
                    socketCount += sockets.Count;
                }
            }
        }
        TimeSpan elapsed = clock.Elapsed;
        output.WriteLine($"scanned {processes} of {tgids.Count} processes, {socketCount} socket descriptors, in {elapsed.TotalMilliseconds:F2} ms");
        Assert.True(processes > 0);
        Assert.True(socketCount > 0);
    }
}
