// SPDX-License-Identifier: Apache-2.0
using Akka.TestKit.Xunit2;
using Daf.Actors.DecisionLog;
using Daf.Actors.Rules;
using Daf.Interop.Packets;

namespace Daf.Actors.Tests.DecisionLog;

public sealed class DeferredDecisionLogTests : TestKit
{
    private static PacketHeaders Udp(ushort dport) => new()
    {
        IpVersion = 4, Protocol = 17, HasPorts = true,
        Source = PacketHeaderParser.MapIpv4(0x0A000001), Destination = PacketHeaderParser.MapIpv4(0x0A000002),
        SourcePort = 40000, DestinationPort = dport,
    };

    [Fact]
    public void A_deferred_drop_becomes_one_message_with_its_rule_version_and_uid_and_accepts_only_when_asked()
    {
        var probe = CreateTestProbe();
        var quiet = new DeferredDecisionLog(Chain.Output, 3, 100, logAccept: false, probe);
        var chatty = new DeferredDecisionLog(Chain.Output, 3, 100, logAccept: true, probe);

        quiet.Record(Verdict.Accept, Udp(53), -1, 1, 1000, 7);
        quiet.Record(Verdict.Drop, Udp(9), 0, 2, 1000, 7);
        chatty.Record(Verdict.Accept, Udp(53), -1, 3, null, 8);

        var drop = probe.ExpectMsg<DeferredDecision>();
        Assert.Equal((Chain.Output, (ushort)3, 7L, 0L), (drop.Chain, drop.Queue, drop.RuleVersion, drop.Suppressed));
        Assert.Equal((Verdict.Drop, 0, 2u, true, 1000u, (ushort)9),
            (drop.Record.Verdict, drop.Record.MatchedRule, drop.Record.PacketId, drop.Record.HasUid, drop.Record.Uid, drop.Record.Headers.DestinationPort));
        var accept = probe.ExpectMsg<DeferredDecision>();
        Assert.Equal((Verdict.Accept, -1, false, 8L), (accept.Record.Verdict, accept.Record.MatchedRule, accept.Record.HasUid, accept.RuleVersion));
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    private static (long Lines, long Suppressed, DeferredDecision? Last) Drain(Akka.TestKit.TestProbe probe)
    {
        long lines = 0, suppressed = 0;
        DeferredDecision? last = null;
        while (probe.HasMessages)
        {
            last = probe.ExpectMsg<DeferredDecision>();
            lines++;
            suppressed += last.Suppressed;
        }
        return (lines, suppressed, last);
    }

    [Fact]
    public void Beyond_the_rate_lines_are_counted_and_the_count_travels_with_the_next_line()
    {
        var probe = CreateTestProbe();
        var log = new DeferredDecisionLog(Chain.Output, 0, 1, logAccept: false, probe);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // A burst of 1, refilled at 1 a second: the first line goes, the rest of the burst is counted.
        for (uint id = 0; id < 50; id++) log.Record(Verdict.Drop, Udp(9), 0, id, null, 1);
        double burst = clock.Elapsed.TotalSeconds;
        Assert.Equal(0, probe.ExpectMsg<DeferredDecision>().Suppressed);
        Thread.Sleep(1100);
        log.Record(Verdict.Drop, Udp(9), 0, 99, null, 1);

        AwaitCondition(() => probe.HasMessages);
        var (lines, suppressed, last) = Drain(probe);
        Assert.Equal(99u, last!.Record.PacketId);
        Assert.True(last.Suppressed > 0, "the suppressed count did not travel with the next line");
        Assert.Equal(51, 1 + lines + suppressed); // every record a line or counted, none twice
        Assert.InRange(lines, 1, 1 + (int)Math.Ceiling(burst)); // refills during the burst only on a very slow machine
    }

    [Fact]
    public void Attribution_actors_on_several_threads_share_one_budget()
    {
        var probe = CreateTestProbe();
        var log = new DeferredDecisionLog(Chain.Output, 0, 10, logAccept: false, probe);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        Parallel.For(0, 4, _ =>
        {
            for (uint id = 0; id < 1000; id++) log.Record(Verdict.Drop, Udp(9), 0, id, null, 1);
        });
        double elapsed = clock.Elapsed.TotalSeconds;

        AwaitCondition(() => probe.HasMessages);
        Thread.Sleep(200); // the last Tells
        var (lines, suppressed, _) = Drain(probe);
        // The burst (10) and what refilled at 10 a second while the threads ran; the rest counted (the count of
        // the last suppressions waits for a next line).
        Assert.InRange(lines, 10, 10 + (int)Math.Ceiling(elapsed * 10) + 1);
        Assert.True(lines + suppressed <= 4000, $"{lines} lines + {suppressed} suppressed for 4000 records");
    }
}
