// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>Matrix case 6: descriptors that move between numbers and processes keep their holders.</summary>
public sealed class DescriptorPassingTests
{
    [Fact]
    public void Dup2_and_close_of_the_original_descriptor_keeps_the_process_a_holder()
    {
        using var bed = new AttributionBed();
        string blocked = bed.StartBlockingLibrary();

        bed.DriveHeld(1, ["load", blocked, .. bed.UdpToReceiver, "move", "40", "send", "dup2-blocked"]);
        bed.DriveHeld(1, [.. bed.UdpToReceiver, "move", "40", "send", "dup2-plain"]);

        bed.AssertJudged(2, delivered: ["dup2-plain"], dropped: ["dup2-blocked"]);
    }

    /// <summary>
    /// One process opens the socket, sends, passes it over SCM_RIGHTS, closes its copy and exits; the
    /// receiving process sends past the grace delay. Each datagram is judged by the process holding the
    /// socket when it is sent: the blocked library is mapped by the receiver or by the origin.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_socket_passed_over_scm_rights_is_judged_by_its_receiver(bool receiverBlocked)
    {
        using var bed = new AttributionBed();
        string blocked = bed.StartBlockingLibrary();

        var run = bed.StartDriver(["scm", (receiverBlocked ? "child:" : "parent:") + blocked, bed.Receiver.Address, bed.Receiver.Port.ToString()]);
        bed.ReleaseAt(run, "origin-sent", 1);
        bed.ReleaseAt(run, "receiver-sent", 2);
        AttributionBed.AssertEndsWell(run);

        string[] judgedByTheBlocked = receiverBlocked ? ["from-receiver"] : ["from-origin"];
        string[] judgedByThePlain = receiverBlocked ? ["from-origin"] : ["from-receiver"];
        bed.AssertJudged(2, delivered: judgedByThePlain, dropped: judgedByTheBlocked);
    }

    /// <summary>
    /// A forking TCP server in B, its INPUT queued to app-fw in B: the listener (parent, plain python3)
    /// accepts both connections; the accepted socket is handed to a child that maps the blocked library
    /// for the first connection only. The client's data reaches the plain child and not the blocked one.
    /// </summary>
    [Fact]
    public void Accepted_sockets_on_input_are_judged_by_the_process_that_holds_them()
    {
        using var bed = new AttributionBed();
        string blocked = bed.Files.BuildLibrary("libblocked.so");
        bed.StartFirewall(bed.Net.B, "INPUT", 1, ["tcp"], $"-A -c INPUT --sng-hash {ProgramCopies.DigestOf(blocked)} -v DROP");
        using var server = bed.Net.Start(bed.Net.B, AttributionBed.Python3, "-u", "-c", ForkingServer, bed.Net.B4, "5400", blocked, DriverScript.GraceWaitSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        server.ExpectLine(l => l == "listening", "the forking server");

        var first = bed.RunIn(bed.Net.A, AttributionBed.Python3, "-u", "-c", Client, bed.Net.B4, "5400", "data-to-blocked-child");
        var second = bed.RunIn(bed.Net.A, AttributionBed.Python3, "-u", "-c", Client, bed.Net.B4, "5400", "data-to-plain-child");
        server.ExpectLine(l => l.StartsWith("conn 1 ", StringComparison.Ordinal), "the first child's report");
        server.ExpectLine(l => l.StartsWith("conn 2 ", StringComparison.Ordinal), "the second child's report");

        var stats = bed.Daemon.RequestStats();
        string why = $"server: {server.Stdout}\nstats: {stats}\napp-fw stderr: {bed.Daemon.Stderr.Trim()}";
        Assert.True(first.Stdout.Contains("hello", StringComparison.Ordinal) && second.Stdout.Contains("hello", StringComparison.Ordinal),
            $"both connections should be accepted by the plain listener: {first.Describe()}\n{second.Describe()}\n{why}");
        Assert.True(server.StdoutLines.Contains("conn 1 nothing"), $"the child mapping the blocked library should receive nothing: {why}");
        Assert.True(server.StdoutLines.Contains("conn 2 got data-to-plain-child"), $"the plain child should receive its data: {why}");
        Assert.True(stats.Queue(1).Dropped > 0, $"the INPUT queue dropped nothing: {why}");
        bed.StopDaemonCleanly();
    }

    private const string ForkingServer = """
        import ctypes, os, socket, sys, time
        host, port, blocked, grace = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(4)
        listener.settimeout(20)
        print('listening', flush=True)
        for n in (1, 2):
            conn, _ = listener.accept()
            if os.fork() == 0:
                listener.close()
                if n == 1:
                    ctypes.CDLL(blocked)
                time.sleep(grace)  # the parent's copy is closed: past the grace delay the child alone holds it
                conn.sendall(b'hello')
                conn.settimeout(2)
                try:
                    data = conn.recv(100)
                    print(f'conn {n} got {data.decode()}', flush=True)
                except socket.timeout:
                    print(f'conn {n} nothing', flush=True)
                os._exit(0)
            conn.close()
            os.wait()
        """;

    private const string Client = """
        import socket, sys
        s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
        print(s.recv(5).decode(), flush=True)
        s.sendall(sys.argv[3].encode())
        s.close()
        """;
}
