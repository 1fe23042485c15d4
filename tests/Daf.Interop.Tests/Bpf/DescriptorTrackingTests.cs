// SPDX-License-Identifier: Apache-2.0
using System.Text.Json;
using Daf.Interop.Bpf;

namespace Daf.Interop.Tests.Bpf;

/// <summary>Each tracked syscall, made by a real python3 child, arrives as the event user space needs.</summary>
public sealed class DescriptorTrackingTests
{
    private const string Prelude = """
        import ctypes, fcntl, json, os, socket
        libc = ctypes.CDLL(None, use_errno=True)
        def inode(fd):
            link = os.readlink(f"/proc/self/fd/{fd}")
            assert link.startswith("socket:["), link
            return int(link[8:-1])
        out = {"pid": os.getpid()}
        marker = socket.socket(); out["marker"] = inode(marker.fileno()); marker.close()

        """;

    private static (uint Pid, JsonElement Output, DescriptorEvent[] Events) Run(string body, TestNetns? netns = null)
    {
        using var capture = new ProbeCapture();
        JsonElement output = ProbeCapture.RunPython(Prelude + body + "\nprint(json.dumps(out))", netns);
        uint pid = output.GetProperty("pid").GetUInt32();
        capture.WaitForExitOf(pid);
        Assert.Equal(0UL, capture.Probe.ReadArrayU64("dropped", 0));
        return (pid, output, AfterMarker(capture.DescriptorsOf(pid), output.GetProperty("marker").GetUInt64()));
    }

    /// <summary>
    /// The events the test body caused: those after the marker socket's close. The interpreter's start-up may open
    /// and close sockets of its own on the same descriptor numbers (glibc asks nscd and systemd-userdb for the
    /// user's home directory when HOME is unset).
    /// </summary>
    private static DescriptorEvent[] AfterMarker(DescriptorEvent[] events, ulong markerInode)
    {
        int opened = Array.FindIndex(events, e => e.Kind == BpfEventKind.FdSocket && e.Inode == markerInode);
        Assert.True(opened >= 0, $"no FdSocket event for the marker socket {markerInode}");
        int fd = events[opened].Fd;
        int closed = Array.FindIndex(events, opened + 1, e => e.Kind == BpfEventKind.FdClosed && e.Fd == fd);
        Assert.True(closed >= 0, $"no FdClosed event for the marker socket's descriptor {fd}");
        return events[(closed + 1)..];
    }

    private static ulong Inode(JsonElement output, string name) => output.GetProperty(name).GetUInt64();

    private static int Fd(JsonElement output, string name) => output.GetProperty(name).GetInt32();

    private static void AssertSocket(DescriptorEvent[] events, uint pid, int fd, ulong inode)
    {
        DescriptorEvent e = Assert.Single(events, e => e.Kind == BpfEventKind.FdSocket && e.Fd == fd);
        Assert.Equal((pid, pid, fd, inode), (e.Pid, e.ThreadId, e.FdLast, e.Inode));
    }

    [Fact]
    public void Socket_dup_dup2_above_255_dup3_and_fcntl_F_DUPFD_report_the_socket_inode()
    {
        (uint pid, JsonElement o, DescriptorEvent[] events) = Run("""
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            out["fd"] = s.fileno(); out["inode"] = inode(s.fileno())
            out["dup"] = libc.dup(s.fileno())
            out["dup2"] = os.dup2(s.fileno(), 300)
            out["dup3"] = os.dup2(s.fileno(), 301, inheritable=False)
            out["dupfd"] = fcntl.fcntl(s.fileno(), fcntl.F_DUPFD, 400)
            out["dupfd_cloexec"] = fcntl.fcntl(s.fileno(), 1030, 500)
            assert inode(300) == out["inode"]
            """);
        ulong socketInode = Inode(o, "inode");
        foreach (string name in new[] { "fd", "dup", "dup2", "dup3", "dupfd", "dupfd_cloexec" })
            AssertSocket(events, pid, Fd(o, name), socketInode);
        Assert.Equal([300, 301, 400, 500], new[] { "dup2", "dup3", "dupfd", "dupfd_cloexec" }.Select(n => Fd(o, n)));
    }

    [Fact]
    public void Socketpair_reports_both_descriptors()
    {
        (uint pid, JsonElement o, DescriptorEvent[] events) = Run("""
            a, b = socket.socketpair()
            out.update(a=a.fileno(), b=b.fileno(), ia=inode(a.fileno()), ib=inode(b.fileno()))
            """);
        AssertSocket(events, pid, Fd(o, "a"), Inode(o, "ia"));
        AssertSocket(events, pid, Fd(o, "b"), Inode(o, "ib"));
        Assert.NotEqual(Inode(o, "ia"), Inode(o, "ib"));
    }

    [Fact]
    public void Accept_and_accept4_in_a_namespace_report_the_accepted_socket()
    {
        using var netns = new TestNetns("daf-bpft");
        (uint pid, JsonElement o, DescriptorEvent[] events) = Run("""
            l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(4)
            c1 = socket.create_connection(l.getsockname()); c2 = socket.create_connection(l.getsockname())
            a4, _ = l.accept()
            a = libc.accept(l.fileno(), None, None)
            assert a >= 0, ctypes.get_errno()
            out.update(a4=a4.fileno(), i4=inode(a4.fileno()), a=a, ia=inode(a))
            """, netns);
        AssertSocket(events, pid, Fd(o, "a4"), Inode(o, "i4"));
        AssertSocket(events, pid, Fd(o, "a"), Inode(o, "ia"));
    }

    [Fact]
    public void Close_of_a_socket_is_reported_and_close_of_a_file_is_not()
    {
        (uint pid, JsonElement o, DescriptorEvent[] events) = Run("""
            s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            os.dup2(s.fileno(), 300)
            f = os.open("/dev/null", os.O_RDONLY)
            out.update(file=f, socket=s.fileno())
            os.close(300); os.close(f)
            """);
        DescriptorEvent closed = Assert.Single(events, e => e.Kind == BpfEventKind.FdClosed && e.Fd == 300);
        Assert.Equal((300, 300, pid, 0UL), (closed.Fd, closed.FdLast, closed.ThreadId, closed.Inode));
        Assert.DoesNotContain(events, e => e.Fd == Fd(o, "file"));
        Assert.Contains(events, e => e.Kind == BpfEventKind.FdClosed && e.Fd == Fd(o, "socket")); // closed at interpreter exit
    }

    [Fact]
    public void Dup2_of_a_file_over_a_socket_closes_the_socket_and_an_O_PATH_socket_file_is_no_socket()
    {
        string path = $"/tmp/daf-bpft-{Guid.NewGuid():N}.sock";
        try
        {
            (uint pid, JsonElement o, DescriptorEvent[] events) = Run($$"""
                s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind("{{path}}")
                os.dup2(s.fileno(), 300)
                f = os.open("/dev/null", os.O_RDONLY)
                os.dup2(f, 300)
                p = os.open("{{path}}", os.O_PATH)
                out.update(opath=p, dup_opath=os.dup2(p, 310))
                """);
            Assert.Equal([BpfEventKind.FdSocket, BpfEventKind.FdClosed],
                events.Where(e => e.Fd == 300).Select(e => e.Kind));
            Assert.DoesNotContain(events, e => e.Fd == Fd(o, "opath") || e.Fd == 310);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Close_range_is_reported_unless_it_only_sets_close_on_exec()
    {
        (uint pid, _, DescriptorEvent[] events) = Run("""
            s = socket.socket()
            os.dup2(s.fileno(), 600)
            assert libc.syscall(436, 600, 610, 4) == 0  # CLOSE_RANGE_CLOEXEC
            assert libc.syscall(436, 600, 610, 0) == 0
            assert libc.syscall(436, 700, 0xffffffff, 0) == 0
            """);
        DescriptorEvent[] ranges = events.Where(e => e.Kind == BpfEventKind.FdRangeClosed).ToArray();
        Assert.Equal([(600, 610), (700, int.MaxValue)], ranges.Select(e => (e.Fd, e.FdLast)));
        Assert.All(ranges, e => Assert.Equal(pid, e.ThreadId));
    }

    [Fact]
    public void Descriptors_received_over_SCM_RIGHTS_are_reported_for_the_receiving_socket_only()
    {
        (uint pid, JsonElement o, DescriptorEvent[] events) = Run("""
            a, b = socket.socketpair()
            passed = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            if os.fork() == 0:
                socket.send_fds(a, [b"fd"], [passed.fileno()]); a.send(b"plain"); os._exit(0)
            os.wait()
            msg, fds, _, _ = socket.recv_fds(b, 16, 1)
            plain, _, _, _ = b.recvmsg(16, 64)
            assert msg == b"fd" and plain == b"plain"
            out.update(receiver=b.fileno(), got=fds[0], inode=inode(passed.fileno()), got_inode=inode(fds[0]))
            """);
        DescriptorEvent received = Assert.Single(events, e => e.Kind == BpfEventKind.FdsReceived);
        Assert.Equal((Fd(o, "receiver"), pid), (received.Fd, received.ThreadId));
        Assert.Equal(Inode(o, "inode"), Inode(o, "got_inode"));
    }

    [Fact]
    public void Recvmsg_with_control_space_on_an_inet_socket_is_not_reported()
    {
        using var netns = new TestNetns("daf-bpft");
        (_, _, DescriptorEvent[] events) = Run("""
            r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); r.bind(("127.0.0.1", 0))
            r.setsockopt(socket.IPPROTO_IP, 12, 1)  # IP_RECVTTL
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", r.getsockname())
            _, anc, _, _ = r.recvmsg(16, 64)
            assert anc, "expected IP_TTL control data"
            """, netns);
        Assert.DoesNotContain(events, e => e.Kind == BpfEventKind.FdsReceived);
    }

    [Fact]
    public void Recvmmsg_is_reported_only_when_one_of_its_messages_carried_descriptors()
    {
        (uint pid, JsonElement o, DescriptorEvent[] events) = Run("""
            class iovec(ctypes.Structure):
                _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
            class msghdr(ctypes.Structure):
                _fields_ = [("name", ctypes.c_void_p), ("namelen", ctypes.c_uint32), ("iov", ctypes.POINTER(iovec)),
                            ("iovlen", ctypes.c_size_t), ("control", ctypes.c_void_p), ("controllen", ctypes.c_size_t),
                            ("flags", ctypes.c_int)]
            class mmsghdr(ctypes.Structure):
                _fields_ = [("hdr", msghdr), ("len", ctypes.c_uint)]
            def recvmmsg(fd, count):
                vec = (mmsghdr * count)()
                keep = []
                for m in vec:
                    data, control = ctypes.create_string_buffer(16), ctypes.create_string_buffer(64)
                    keep += [data, control, iovec(ctypes.addressof(data), 16)]
                    m.hdr.iov, m.hdr.iovlen = ctypes.pointer(keep[-1]), 1
                    m.hdr.control, m.hdr.controllen = ctypes.addressof(control), 64
                n = libc.recvmmsg(fd, vec, count, 0, None)
                assert n == count, ctypes.get_errno()
            a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
            a.send(b"1"); a.send(b"2")
            recvmmsg(b.fileno(), 2)            # control space, no descriptors: no event
            passed = socket.socket()
            a.send(b"3"); socket.send_fds(a, [b"4"], [passed.fileno()])
            recvmmsg(b.fileno(), 2)            # the second message carries one
            out.update(receiver=b.fileno())
            """);
        DescriptorEvent received = Assert.Single(events, e => e.Kind == BpfEventKind.FdsReceived);
        Assert.Equal((Fd(o, "receiver"), pid), (received.Fd, received.ThreadId));
    }

    [Fact]
    public void A_socket_made_by_a_thread_carries_the_process_id_and_the_thread_id()
    {
        (uint pid, JsonElement o, DescriptorEvent[] events) = Run("""
            import threading
            def work():
                s = socket.socket()
                out.update(fd=s.fileno(), inode=inode(s.fileno()), tid=threading.get_native_id())
                os.dup2(s.fileno(), 900)
            t = threading.Thread(target=work); t.start(); t.join()
            """);
        uint tid = o.GetProperty("tid").GetUInt32();
        Assert.NotEqual(pid, tid);
        DescriptorEvent made = Assert.Single(events, e => e.Kind == BpfEventKind.FdSocket && e.Fd == 900);
        Assert.Equal((pid, tid, Inode(o, "inode")), (made.Pid, made.ThreadId, made.Inode));
    }
}
