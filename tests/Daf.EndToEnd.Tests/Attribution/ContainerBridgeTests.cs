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
}
