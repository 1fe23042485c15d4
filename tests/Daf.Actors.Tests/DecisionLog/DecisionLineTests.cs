// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using System.Net;
using Daf.Actors.DecisionLog;
using Daf.Actors.Rules;
using Daf.Interop.Packets;

namespace Daf.Actors.Tests.DecisionLog;

public sealed class DecisionLineTests
{
    private static UInt128 V6(string address) => BinaryPrimitives.ReadUInt128BigEndian(IPAddress.Parse(address).GetAddressBytes());

    [Fact]
    public void A_drop_names_the_five_tuple_the_queue_the_rule_and_the_holders()
    {
        var record = new DecisionRecord
        {
            Headers = new PacketHeaders
            {
                IpVersion = 4, Protocol = 17, HasPorts = true, SourcePort = 40000, DestinationPort = 53,
                Source = PacketHeaderParser.MapIpv4(0x0A000001), Destination = PacketHeaderParser.MapIpv4(0x0A000002),
            },
            Verdict = Verdict.Drop, MatchedRule = 1, HasUid = true, Uid = 1000,
        };

        string line = DecisionLine.Format(record, Chain.Output, 0, 7, [(4242, "/usr/bin/curl"), (4243, "/opt/my app/x")]);

        Assert.Equal("decision verdict=DROP chain=OUTPUT queue=0 proto=udp src=10.0.0.1 sport=40000 dst=10.0.0.2 dport=53 " +
            "rule=2 version=7 uid=1000 holders=4242:/usr/bin/curl,4243:\"/opt/my app/x\"", line);
    }

    [Fact]
    public void A_policy_decision_without_ports_or_known_holders_says_so()
    {
        var record = new DecisionRecord
        {
            Headers = new PacketHeaders { IpVersion = 6, Protocol = 58, Source = V6("fd00:daf::1"), Destination = V6("fd00:daf::2") },
            Verdict = Verdict.Accept, MatchedRule = -1,
        };

        string line = DecisionLine.Format(record, Chain.Input, 1, 3, null);

        Assert.Equal("decision verdict=ACCEPT chain=INPUT queue=1 proto=icmpv6 src=fd00:daf::1 dst=fd00:daf::2 rule=policy version=3 holders=?", line);
    }
}
