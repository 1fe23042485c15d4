// SPDX-License-Identifier: Apache-2.0
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>Matrix case 14: the original README's docker0 line, with a namespace X behind the daemon's.</summary>
public sealed class ContainerBridgeTests
{
    /// <summary>
    /// X (bed A) ─ daemon namespace (bed R, forwarding) ─ server (bed B). R queues what arrives from X's
    /// link on FORWARD to queue 0, the OUTPUT queue, like `iptables -I FORWARD -i docker0 -j NFQUEUE
    /// --queue-num 0`; the rule names X's namespace. The same digest named for another namespace does not
    /// match X's processes.
    /// </summary>
    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void Container_traffic_forwarded_to_the_output_queue_is_judged_in_the_namespace_the_rule_names(int ipVersion)
    {
        using var bed = new AttributionBed(routed: true);
        var net = bed.Net;
        string blocked = bed.Files.BuildSender("container-sender");
        string fromX = $"daf{net.Id}ra"; // R's end of the link to A (NetnsBed's naming)
        NfQueueRule.Insert(net, net.R!, "FORWARD", 0, bypass: false, "-i", fromX, "-p", "udp");
        bed.StartFirewall(net.R!, "FORWARD", 0, [], $"""
            -A -c OUTPUT -n /var/run/netns/{net.A} --sng-hash {ProgramCopies.DigestOf(blocked)} -v DROP
            -A -c OUTPUT -n /var/run/netns/{net.B} --sng-hash {AttributionBed.Python3Digest} -v DROP
            """);
        bed.StartReceiver(ipVersion);

        bed.RunHeld(1, net.A, blocked, bed.Receiver.SenderTarget, bed.Files.Gates, "container-blocked", "@" + AttributionBed.ReleasePlaceholder);
        bed.DriveHeld(1, [.. bed.UdpToReceiver, "send", "container-python"]);

        bed.AssertJudged(2, delivered: ["container-python"], dropped: ["container-blocked"]);
    }

    /// <summary>
    /// The other direction, like `iptables -I FORWARD -o docker0 -j NFQUEUE --queue-num 1`: what R forwards to X is
    /// queued to the INPUT queue (here numbered 0, the only one bound) and judged by X's receiving socket, its
    /// destination there. A rule naming the sender's namespace B never applies: the socket is not B's.
    /// </summary>
    [Theory]
    [InlineData("receiver", false)]
    [InlineData("sender", true)]
    public void Traffic_to_the_container_queued_to_the_input_queue_is_judged_by_the_container_socket_that_receives_it(string named, bool delivered)
    {
        using var bed = new AttributionBed(routed: true);
        var net = bed.Net;
        string sender = bed.Files.BuildSender("bridge-sender");
        string senderDigest = ProgramCopies.DigestOf(sender);
        string toX = $"daf{net.Id}ra"; // R's end of the link to A
        NfQueueRule.Insert(net, net.R!, "FORWARD", 0, bypass: false, "-o", toX, "-p", "udp");
        string digest = named == "receiver" ? AttributionBed.Python3Digest : senderDigest;
        bed.StartFirewall(net.R!, "FORWARD", 0, [], $"""
            -A -c INPUT -n /var/run/netns/{net.B} --sng-hash {senderDigest} -v DROP
            -A -c INPUT -n /var/run/netns/{net.A} --sng-hash {digest} -v DROP
            """, "--queue-in", "0", "--queue-out", "off", "--queue-fwd", "off",
            // Where the socket is found is the point here, not how fast a loaded machine reads the receiver's image.
            "--attrib-wait", "2000");
        bed.StartReceiver(4, net.A);

        bed.RunHeld(1, net.B, sender, bed.Receiver.SenderTarget, bed.Files.Gates, "to-container", "@" + AttributionBed.ReleasePlaceholder);

        bed.AssertJudged(1, delivered: delivered ? ["to-container"] : [], dropped: delivered ? [] : ["to-container"]);
    }

    /// <summary>
    /// A rule naming the container's namespace added with ctl-fw while app-fw runs makes the socket lookups inside
    /// that namespace; deleting it ends them, and X's traffic is judged by the daemon's (now empty) rules again.
    /// </summary>
    [Fact]
    public void A_container_rule_added_and_deleted_with_ctl_fw_applies_exactly_while_it_exists()
    {
        using var bed = new AttributionBed(routed: true);
        var net = bed.Net;
        string sender = bed.Files.BuildSender("container-sender");
        string fromX = $"daf{net.Id}ra";
        NfQueueRule.Insert(net, net.R!, "FORWARD", 0, bypass: false, "-i", fromX, "-p", "udp");
        var daemon = bed.StartFirewall(net.R!, "FORWARD", 0, [], "# no rules: ctl-fw adds the container's",
            "--attrib-wait", "2000");
        bed.StartReceiver(4);
        string ctlFw = Path.Combine(RepoRoot.Path, "bin", "ctl-fw");
        ExecResult CtlFw(params string[] args)
        {
            var result = net.Exec(net.R!, TimeSpan.FromSeconds(40), [ctlFw, "--state-dir", daemon.StateDir, .. args]);
            Assert.True(result.Succeeded, $"{result.Describe()}\napp-fw: {daemon.Stderr}");
            return result;
        }

        CtlFw("-A", "-c", "OUTPUT", "-n", $"/var/run/netns/{net.A}", "--sng-hash", ProgramCopies.DigestOf(sender), "-v", "DROP");
        bed.RunHeld(1, net.A, sender, bed.Receiver.SenderTarget, bed.Files.Gates, "while-named", "@" + AttributionBed.ReleasePlaceholder);
        CtlFw("-D", "1", "-c", "OUTPUT");
        bed.RunHeld(1, net.A, sender, bed.Receiver.SenderTarget, bed.Files.Gates, "after-delete", "@" + AttributionBed.ReleasePlaceholder);

        bed.AssertDelivery(bed.Delivered(2), delivered: ["after-delete"], dropped: ["while-named"]);
        Assert.Contains("no rule names it any more", daemon.Stderr);
        bed.StopDaemonCleanly();
    }
}
