// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;
using Daf.Actors.Verdicts;
using Daf.Interop.NfQueue;

namespace Daf.Actors.Tests.Verdicts;

public sealed class VerdictBatchPlannerTests
{
    private readonly RecordingVerdictSink _sink = new();

    private bool Add(VerdictBatchPlanner planner, uint id, Verdict verdict, bool urgent = false, long now = 0)
    {
        _sink.Enqueue(id);
        return planner.Add(id, verdict, urgent, now);
    }

    [Fact]
    public void Batch_count_of_one_sends_one_verdict_per_packet_at_once()
    {
        var planner = new VerdictBatchPlanner(1, 100, _sink);
        Add(planner, 1, Verdict.Accept);
        Add(planner, 2, Verdict.Drop);
        Assert.Equal(["V 1 NF_ACCEPT", "V 2 NF_DROP"], _sink.Messages);
        Assert.False(planner.HasPending);
    }

    [Fact]
    public void Full_batch_is_flushed_as_one_batch_verdict()
    {
        var planner = new VerdictBatchPlanner(4, 100, _sink);
        for (uint id = 1; id <= 4; id++) Add(planner, id, Verdict.Accept);
        Assert.Equal(["B 4 NF_ACCEPT"], _sink.Messages);
        Assert.Equal(4, _sink.Decided.Count);
    }

    [Fact]
    public void A_change_of_verdict_flushes_the_run_before_it()
    {
        var planner = new VerdictBatchPlanner(64, 100, _sink);
        Add(planner, 1, Verdict.Accept);
        Add(planner, 2, Verdict.Accept);
        Add(planner, 3, Verdict.Drop);
        Assert.Equal(["B 2 NF_ACCEPT"], _sink.Messages);
        planner.FlushAll();
        Assert.Equal(NfVerdict.NF_DROP, _sink.Decided[3]);
        Assert.Equal(NfVerdict.NF_ACCEPT, _sink.Decided[1]);
    }

    [Fact]
    public void Syn_or_psh_flushes_at_once()
    {
        var planner = new VerdictBatchPlanner(64, 100, _sink);
        Add(planner, 1, Verdict.Accept);
        Add(planner, 2, Verdict.Accept, urgent: true);
        Assert.Equal(["B 2 NF_ACCEPT"], _sink.Messages);
        Assert.False(planner.HasPending);
    }

    [Fact]
    public void A_lone_packet_is_flushed_with_an_individual_verdict()
    {
        var planner = new VerdictBatchPlanner(64, 100, _sink);
        Add(planner, 7, Verdict.Accept, urgent: true);
        Assert.Equal(["V 7 NF_ACCEPT"], _sink.Messages);
    }

    [Fact]
    public void Timer_flushes_only_after_the_deadline()
    {
        var planner = new VerdictBatchPlanner(64, timeoutTicks: 100, _sink);
        Assert.True(Add(planner, 1, Verdict.Accept, now: 1000));
        Assert.False(Add(planner, 2, Verdict.Accept, now: 1050));
        Assert.Equal(1100, planner.Deadline);
        Assert.True(planner.OnTimer(1099));
        Assert.Empty(_sink.Messages);
        Assert.False(planner.OnTimer(1100));
        Assert.Equal(["B 2 NF_ACCEPT"], _sink.Messages);
    }

    [Fact]
    public void Deferred_packet_is_never_covered_by_a_batch_verdict()
    {
        var planner = new VerdictBatchPlanner(4, 100, _sink);
        Add(planner, 1, Verdict.Accept);
        _sink.Enqueue(2);
        planner.Defer(2);
        for (uint id = 3; id <= 8; id++) Add(planner, id, Verdict.Accept);
        Assert.DoesNotContain(2u, _sink.Decided.Keys);
        Assert.All(_sink.Messages.Skip(1), m => Assert.StartsWith("V ", m));
        planner.Decide(2, Verdict.Drop);
        Assert.Equal(NfVerdict.NF_DROP, _sink.Decided[2]);
        Assert.Equal(8, _sink.Decided.Count);
    }

    [Fact]
    public void Every_packet_of_a_random_stream_is_decided_once_with_its_own_verdict()
    {
        var random = new Random(1234);
        for (var trial = 0; trial < 200; trial++)
        {
            var sink = new RecordingVerdictSink();
            var planner = new VerdictBatchPlanner(random.Next(1, 70), 50, sink);
            var expected = new Dictionary<uint, Verdict>();
            long now = 0;
            for (uint id = 1; id <= 500; id++)
            {
                var verdict = random.Next(10) == 0 ? Verdict.Drop : Verdict.Accept;
                expected[id] = verdict;
                sink.Enqueue(id);
                now += random.Next(0, 30);
                planner.Add(id, verdict, random.Next(20) == 0, now);
                if (random.Next(8) == 0) planner.OnTimer(now);
            }
            planner.FlushAll();
            Assert.Equal(expected.Count, sink.Decided.Count);
            foreach (var (id, verdict) in expected)
                Assert.Equal(verdict == Verdict.Drop ? NfVerdict.NF_DROP : NfVerdict.NF_ACCEPT, sink.Decided[id]);
        }
    }

    [Fact]
    public void A_decision_arriving_before_its_deferral_is_sent_exactly_once_when_the_deferral_comes()
    {
        var planner = new VerdictBatchPlanner(8, 100, _sink);
        _sink.Enqueue(1);
        planner.Decide(1, Verdict.Drop);
        Assert.Empty(_sink.Decided);
        planner.Defer(1);
        Assert.Equal(NfVerdict.NF_DROP, _sink.Decided[1]);
        Assert.Equal(0, planner.DeferredCount);
        planner.Decide(1, Verdict.Accept);
        Assert.Single(_sink.Decided);
    }

    [Fact]
    public void Packets_after_a_deferred_one_are_decided_at_once_one_by_one()
    {
        var planner = new VerdictBatchPlanner(8, 100, _sink);
        _sink.Enqueue(1);
        planner.Defer(1);
        Add(planner, 2, Verdict.Accept);
        Add(planner, 3, Verdict.Accept);
        Assert.Equal(["V 2 NF_ACCEPT", "V 3 NF_ACCEPT"], _sink.Messages);
        planner.Decide(1, Verdict.Drop);
        Assert.Equal(NfVerdict.NF_DROP, _sink.Decided[1]);
        Assert.Equal(3, _sink.Decided.Count);
    }

    [Fact]
    public void A_signed_packet_gets_its_own_payload_verdict_after_the_run_before_it_and_batching_goes_on()
    {
        var planner = new VerdictBatchPlanner(64, 100, _sink);
        Add(planner, 1, Verdict.Drop);
        Add(planner, 2, Verdict.Drop);
        _sink.Enqueue(3);
        planner.AddReplaced(3, [0xAB, 0xCD]);
        Add(planner, 4, Verdict.Drop);
        Add(planner, 5, Verdict.Drop);
        planner.FlushAll();
        Assert.Equal(["B 2 NF_DROP", "P 3 NF_ACCEPT ABCD", "B 5 NF_DROP"], _sink.Messages);
    }

    [Fact]
    public void A_deferred_packet_decided_with_a_signed_replacement_is_sent_with_it_whatever_the_order()
    {
        var planner = new VerdictBatchPlanner(64, 100, _sink);
        _sink.Enqueue(1);
        planner.Defer(1);
        planner.Decide(1, Verdict.Accept, [0x01]);
        _sink.Enqueue(2);
        planner.Decide(2, Verdict.Accept, [0x02]);
        planner.Defer(2);
        _sink.Enqueue(3);
        planner.Defer(3);
        planner.Decide(3, Verdict.Drop, [0x03]);
        Assert.Equal(["P 1 NF_ACCEPT 01", "P 2 NF_ACCEPT 02", "V 3 NF_DROP"], _sink.Messages);
        Assert.Equal(0, planner.DeferredCount);
    }
}
