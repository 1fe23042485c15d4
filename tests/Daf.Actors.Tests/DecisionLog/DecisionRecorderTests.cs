// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Akka.TestKit.Xunit2;
using Daf.Actors.DecisionLog;
using Daf.Actors.Rules;
using Daf.Tests.Shared;
using Daf.Interop.Packets;

namespace Daf.Actors.Tests.DecisionLog;

public sealed class DecisionRecorderTests : TestKit
{
    private static PacketHeaders Udp(ushort dport) => new()
    {
        IpVersion = 4, Protocol = 17, HasPorts = true,
        Source = PacketHeaderParser.MapIpv4(0x0A000001), Destination = PacketHeaderParser.MapIpv4(0x0A000002),
        SourcePort = 40000, DestinationPort = dport,
    };

    [Fact]
    public void Drops_are_recorded_and_accepts_only_when_asked()
    {
        var probe = CreateTestProbe();
        var quiet = new DecisionRecorder(Chain.Output, 0, 64, 1000, logAccept: false, probe);
        var chatty = new DecisionRecorder(Chain.Output, 0, 64, 1000, logAccept: true, probe);

        foreach (var recorder in new[] { quiet, chatty })
        {
            recorder.Begin(7);
            recorder.Record(Verdict.Drop, Udp(9), 0, 1, false, 0);
            recorder.Record(Verdict.Accept, Udp(53), -1, 2, true, 1000);
            recorder.Flush();
        }

        var first = probe.ExpectMsg<DecisionBatch>();
        Assert.Equal(1, first.Count);
        Assert.Equal(Verdict.Drop, first.Records[0].Verdict);
        Assert.Equal(7, first.RuleVersion);
        var second = probe.ExpectMsg<DecisionBatch>();
        Assert.Equal(2, second.Count);
        Assert.Equal((Verdict.Accept, -1, 1000u), (second.Records[1].Verdict, second.Records[1].MatchedRule, second.Records[1].Uid));
    }

    [Fact]
    public void Beyond_the_rate_lines_are_counted_as_suppressed_not_sent()
    {
        var probe = CreateTestProbe();
        var clock = Stopwatch.StartNew();
        var recorder = new DecisionRecorder(Chain.Output, 0, 256, 3, logAccept: false, probe);

        recorder.Begin(1);
        for (uint id = 0; id < 100; id++) recorder.Record(Verdict.Drop, Udp(9), 0, id, false, 0);
        recorder.Flush();
        double elapsed = clock.Elapsed.TotalSeconds;

        var batch = probe.ExpectMsg<DecisionBatch>();
        // The bucket starts full (3) and refills at 3 per second.
        Assert.InRange(batch.Count, 3, 3 + (int)Math.Ceiling(elapsed * 3));
        Assert.Equal(100, batch.Count + batch.Suppressed);
    }

    [Fact]
    public void A_log_actor_that_holds_every_batch_never_blocks_the_reader()
    {
        var probe = CreateTestProbe(); // never gives a batch back
        var recorder = new DecisionRecorder(Chain.Output, 0, 8, 1_000_000, logAccept: false, probe);
        for (int round = 0; round < DecisionRecorder.PoolSize; round++)
        {
            recorder.Record(Verdict.Drop, Udp(9), 0, 1, false, 0);
            recorder.Flush();
        }

        recorder.Record(Verdict.Drop, Udp(9), 0, 2, false, 0);
        recorder.Record(Verdict.Drop, Udp(9), 0, 3, false, 0);
        recorder.Flush();

        for (int round = 0; round < DecisionRecorder.PoolSize; round++) probe.ExpectMsg<DecisionBatch>();
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        // Once a batch comes back, the count of what was lost goes with the next one.
        var returned = new DecisionBatch(8, recorder);
        recorder.Return(returned);
        recorder.Flush();
        Assert.Equal(2, probe.ExpectMsg<DecisionBatch>().Suppressed);
    }

    [Fact]
    public async Task The_final_drain_writes_its_lines_itself_without_the_log_actor()
    {
        var probe = CreateTestProbe();
        var recorder = new DecisionRecorder(Chain.Input, 1, 8, 1000, logAccept: false, probe);

        await EventFilter.Info(contains: "decision verdict=DROP chain=INPUT queue=1 proto=udp src=10.0.0.1 sport=40000 dst=10.0.0.2 dport=9 rule=policy version=4 holders=?")
            .ExpectOneAsync(() =>
            {
                recorder.Begin(4);
                recorder.Record(Verdict.Drop, Udp(9), -1, 1, false, 0);
                recorder.Record(Verdict.Accept, Udp(53), -1, 2, false, 0);
                recorder.WriteNow(Sys.Log);
                return Task.CompletedTask;
            });
        probe.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        // The batch went back to the pool: every one of them still reaches the log actor.
        for (int round = 0; round < DecisionRecorder.PoolSize; round++)
        {
            recorder.Record(Verdict.Drop, Udp(9), 0, 3, false, 0);
            recorder.Flush();
            probe.ExpectMsg<DecisionBatch>();
        }
    }

    [Fact]
    public void Recording_allocates_nothing()
    {
        const int calls = 10_000;
        var probe = CreateTestProbe();
        // Room for the warm-up and the measured calls in one batch: no Flush (Akka's Tell allocates; it runs once per received batch).
        var recorder = new DecisionRecorder(Chain.Output, 0, 2 * calls, 1_000_000_000, logAccept: true, probe);
        var headers = Udp(9);

        long bytes = Allocations.Measure(() => recorder.Record(Verdict.Drop, headers, 0, 1, false, 0), calls);

        Assert.True(bytes <= Allocations.StrayBytes, $"{bytes} bytes allocated over {calls} records");
    }
}
