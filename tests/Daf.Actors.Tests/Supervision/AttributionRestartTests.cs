// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Daf.Actors.Attribution;
using Daf.Actors.Faults;
using Daf.Actors.Queue;
using Daf.Actors.Rules;
using Daf.Actors.Tests.Attribution;
using Daf.Actors.Tests.Rules;
using Daf.Actors.Verdicts;
using Daf.Interop.Packets;
using static Daf.Actors.Tests.Attribution.FakeHolderImages;

namespace Daf.Actors.Tests.Supervision;

/// <summary>
/// An attribution actor that throws or is killed hands its waiting packets to its next incarnation: they keep
/// waiting for their holders (bounded) instead of being judged at once without them, which would let a packet a
/// DROP-by-identity rule covers pass.
/// </summary>
public sealed class AttributionRestartTests() : TestKit(SupervisedTestKit.Config)
{
    private static readonly Sha256Digest Curl = Digest(1);
    private static readonly PacketHeaders Packet = Packets.Udp("10.0.0.1", "10.0.0.2", 40000, 53);

    private readonly FakeHolderImages _holders = new() { Resolution = HolderResolution.Pending };
    private readonly QueueCounters _counters = new();

    private sealed class FoundLookup : ISocketLookup
    {
        public SocketLookupResult Lookup(in PacketHeaders headers, LocalSide side, uint? uid) =>
            new(SocketLookupStatus.Found, new LocatedSocket(77, 1, 0, 7, SocketKind.Udp), null);
    }

    [Theory]
    [InlineData("throw")]
    [InlineData("kill")]
    public void Waiting_packets_survive_a_restart_and_are_judged_by_their_holder_once_known(string fault)
    {
        var batcher = CreateTestProbe();
        var rules = new RuleSnapshotHolder(RuleSnapshot.Compile(
            RulesFile.Parse("t", [$"-A -c OUTPUT --sng-hash {Curl} -v DROP"], ChainPolicies.AllAccept), 1, _ => true, 2, null));
        var attributor = Sys.ActorOf(PacketAttributionActor.Props(new FoundLookup(), _holders, ActorRefs.Nobody, rules, 1,
            new AttributionOptions { Wait = TimeSpan.FromSeconds(20), RetryInterval = TimeSpan.FromMilliseconds(2) }));
        for (uint id = 1; id <= 5; id++)
            attributor.Tell(new AttributePacket(Chain.Output, Packet, 1000, id, batcher, _counters));
        batcher.ExpectNoMsg(TimeSpan.FromMilliseconds(50));

        attributor.Tell(fault == "kill" ? Kill.Instance : new InjectFault(FaultKind.Throw));
        batcher.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // still waiting: nothing judged early

        _holders.Holders = [Image(10, Curl)];
        _holders.Resolution = HolderResolution.Complete;
        var decided = Enumerable.Range(0, 5).Select(_ => batcher.ExpectMsg<DeferredPacketJudged>(SupervisedTestKit.Bound)).ToList();
        Assert.Equal(Enumerable.Range(1, 5).Select(i => (uint)i), decided.Select(d => d.PacketId).Order());
        Assert.All(decided, d => Assert.Equal(Verdict.Drop, d.Verdict));
        Assert.Equal(0L, Volatile.Read(ref _counters.Unattributed));
        batcher.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }
}
