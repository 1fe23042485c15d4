// SPDX-License-Identifier: Apache-2.0
using System.Text.Json;
using Daf.Interop.Bpf;
using Daf.Interop.Packets;
using Daf.Interop.SockDiag;

namespace Daf.Interop.Tests.Bpf;

/// <summary>
/// The probe's cgroup programs on the cgroup2 root, seen from a python3 child in a namespace of its own: a socket the
/// process leaves open when it exits is reported released with its addresses, inode and namespace, and the process's
/// executable objects are listed at its exit.
/// </summary>
public sealed class SocketReleaseTrackingTests
{
    private const string Program = """
        import json, os, socket
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.connect(("127.0.0.1", 9))
        six = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        six.bind(("::1", 0))
        st = os.stat("/proc/self/exe")
        print(json.dumps({"pid": os.getpid(), "inode": os.fstat(s.fileno()).st_ino, "port": s.getsockname()[1],
            "inode6": os.fstat(six.fileno()).st_ino, "port6": six.getsockname()[1],
            "exe": [st.st_ino, st.st_dev, st.st_size, st.st_mtime_ns, st.st_ctime_ns]}))
        os._exit(0)
        """;

    [Fact]
    public void A_socket_left_open_at_exit_is_released_by_the_exiting_process_with_its_flow_and_namespace()
    {
        using var netns = new TestNetns("daf-rel");
        netns.Exec("ip", "link", "set", "lo", "up");
        ulong netnsCookie = netns.RunIn(() =>
        {
            using var diag = SockDiagSocket.Open();
            return diag.NetworkNamespaceCookie();
        });
        using var capture = new ProbeCapture(cgroupPrograms: true);
        Assert.Contains("daf_sock_release", capture.Probe.AttachedPrograms);
        JsonElement output = ProbeCapture.RunPython(Program, netns);
        uint pid = output.GetProperty("pid").GetUInt32();
        capture.WaitForExitOf(pid);
        SocketReleaseEvent[] releases = capture.WaitForReleasesOf(pid);
        // python3 itself may open and close other sockets; ours are found by inode.
        DateTime deadline = DateTime.UtcNow.AddSeconds(3);
        while (releases.Length < 2 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
            releases = capture.WaitForReleasesOf(pid);
        }

        SocketReleaseEvent v4 = Assert.Single(releases, e => e.Inode == output.GetProperty("inode").GetUInt64());
        Assert.Equal((SocketReleaseEvent.AF_INET, (byte)17, (ushort)output.GetProperty("port").GetInt32(), (ushort)9),
            (v4.Family, v4.Protocol, v4.LocalPort, v4.RemotePort));
        Assert.Equal((PacketHeaderParser.MapIpv4(0x7F000001), PacketHeaderParser.MapIpv4(0x7F000001)), (v4.LocalAddress, v4.RemoteAddress));
        Assert.Equal((pid, netnsCookie, false), (v4.Pid, v4.NetnsCookie, v4.ReleasedByKernelThread));
        Assert.NotEqual(0UL, v4.Cookie);

        SocketReleaseEvent v6 = Assert.Single(releases, e => e.Inode == output.GetProperty("inode6").GetUInt64());
        Assert.Equal((SocketReleaseEvent.AF_INET6, (ushort)output.GetProperty("port6").GetInt32(), (ushort)0, UInt128.One, UInt128.Zero),
            (v6.Family, v6.LocalPort, v6.RemotePort, v6.LocalAddress, v6.RemoteAddress));

        ExitImageEvent image = Assert.Single(capture.ExitImagesOf(pid));
        Assert.True(image.Complete, $"exit image flags {image.Flags}");
        JsonElement exe = output.GetProperty("exe");
        var expected = new ImageObject(exe[0].GetUInt64(), exe[2].GetInt64(), exe[3].GetInt64(), exe[4].GetInt64(), (uint)exe[1].GetUInt64(), 0);
        Assert.Contains(expected, image.Objects);
        Assert.Contains(capture.ExecFilesOf(pid), e => e.Object == expected && e.Path is not null && e.Path.EndsWith("python3", StringComparison.Ordinal));
    }
}
