// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Daf.Actors.DecisionLog;
using Daf.Actors.Rules;
using Daf.Interop.Packets;

namespace Daf.Actors.Tests.DecisionLog;

public sealed class DecisionLogActorTests : TestKit
{
    private sealed class FixedHolders : IDecisionHolders
    {
        public bool TryDescribe(Chain chain, in PacketHeaders headers, List<(int Pid, string Executable)> holders)
        {
            holders.Add((77, "/usr/bin/wget"));
            return true;
        }
    }

    private static PacketHeaders Tcp() => new()
    {
        IpVersion = 4, Protocol = 6, HasPorts = true, SourcePort = 1234, DestinationPort = 80,
        Source = PacketHeaderParser.MapIpv4(0x0A000001), Destination = PacketHeaderParser.MapIpv4(0x0A000002),
    };

    [Fact]
    public async Task Each_record_becomes_a_line_with_its_holders_and_the_batch_goes_back_to_the_reader()
    {
        var log = Sys.ActorOf(DecisionLogActor.Props(new FixedHolders(), 20));
        var recorder = new DecisionRecorder(Chain.Output, 0, 8, 20, logAccept: false, log);

        await EventFilter.Info(contains: "decision verdict=DROP chain=OUTPUT queue=0 proto=tcp src=10.0.0.1 sport=1234 dst=10.0.0.2 dport=80 rule=1 version=5 holders=77:/usr/bin/wget")
            .ExpectOneAsync(() =>
            {
                recorder.Begin(5);
                recorder.Record(Verdict.Drop, Tcp(), 0, 1, false, 0);
                recorder.Flush();
                return Task.CompletedTask;
            });

        // Every batch comes back: PoolSize more rounds are all sent.
        await EventFilter.Info(contains: "decision verdict=DROP").ExpectAsync(DecisionRecorder.PoolSize * 2, TimeSpan.FromSeconds(10), async () =>
        {
            for (int i = 0; i < DecisionRecorder.PoolSize * 2; i++)
            {
                recorder.Record(Verdict.Drop, Tcp(), 0, 1, false, 0);
                recorder.Flush();
                await Task.Delay(50); // (the bucket refills at 20/s; a batch sent before one came back is only counted)
            }
        });
    }

    [Fact]
    public async Task A_deferred_decision_becomes_a_line_with_its_holders_and_its_suppressed_count_is_summarised()
    {
        var log = Sys.ActorOf(DecisionLogActor.Props(new FixedHolders(), 20));
        var record = new DecisionRecord { Headers = Tcp(), Verdict = Verdict.Drop, MatchedRule = 2, PacketId = 9, HasUid = true, Uid = 1000 };

        await EventFilter.Info(contains: "decision verdict=DROP chain=OUTPUT queue=4 proto=tcp src=10.0.0.1 sport=1234 dst=10.0.0.2 dport=80 rule=3 version=6 uid=1000 holders=77:/usr/bin/wget")
            .ExpectOneAsync(() =>
            {
                log.Tell(new DeferredDecision(Chain.Output, 4, 6, record, Suppressed: 5));
                return Task.CompletedTask;
            });
        await EventFilter.Info(contains: "decision log: 5 lines suppressed").ExpectOneAsync(TimeSpan.FromSeconds(10), () => Task.CompletedTask);
    }

    [Fact]
    public async Task Suppressed_lines_are_summed_into_one_summary()
    {
        var log = Sys.ActorOf(DecisionLogActor.Props(null, 2));
        var recorder = new DecisionRecorder(Chain.Input, 1, 64, 2, logAccept: false, log);

        await EventFilter.Info(contains: "lines suppressed (rate limit 2 lines/s per queue)").ExpectOneAsync(TimeSpan.FromSeconds(10), () =>
        {
            for (int i = 0; i < 20; i++) recorder.Record(Verdict.Drop, Tcp(), -1, (uint)i, false, 0);
            recorder.Flush();
            return Task.CompletedTask;
        });
    }
}
