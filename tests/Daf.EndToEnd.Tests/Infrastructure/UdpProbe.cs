// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Infrastructure;

/// <summary>Sends a few datagrams to each port and counts, per port, how many arrived at the other side.</summary>
public static class UdpProbe
{
    public static IReadOnlyDictionary<int, long> Count(NetnsBed bed, string fromNs, string toNs, int ipVersion,
        IReadOnlyList<int> ports, int perPort = 100, int size = 64, string fill = "00")
    {
        string destination = bed.Address(toNs, ipVersion);
        var receivers = ports.ToDictionary(p => p, p => UdpReceiver.Start(bed, toNs, destination, p));
        try
        {
            var sent = UdpSender.Send(bed, fromNs, destination, ports, perPort, size, fill: fill);
            foreach (int port in ports)
                Assert.True(sent.GetValueOrDefault(port) == perPort, $"the sender sent {sent.GetValueOrDefault(port)} of {perPort} datagrams to port {port}");
            UdpReceiver.WaitUntilQuiet(receivers.Values);
            return receivers.ToDictionary(r => r.Key, r => r.Value.StopAndCount(quiet: TimeSpan.Zero));
        }
        finally
        {
            foreach (var r in receivers.Values)
                r.Dispose();
        }
    }
}
