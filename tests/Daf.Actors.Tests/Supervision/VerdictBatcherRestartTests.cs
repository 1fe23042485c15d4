// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Daf.Actors.Faults;
using Daf.Actors.Queue;
using Daf.Actors.Rules;
using Daf.Actors.Verdicts;
using Daf.Interop.NfQueue;
using Daf.Interop.Time;

namespace Daf.Actors.Tests.Supervision;

/// <summary>A verdict batcher that throws or is killed keeps its planner: every packet still gets exactly one verdict.</summary>
public sealed class VerdictBatcherRestartTests() : TestKit(SupervisedTestKit.Config), IDisposable
{
    private readonly ConcurrentVerdictSink _sink = new();
    private readonly PacketBatchJudgedPool _pool = new(32);
    private readonly QueueSignals _signals = new();

    private IActorRef StartBatcher(int batchCount)
    {
        var clock = TscClock.Create(null, out _);
        var props = VerdictBatcherActor.Props(_sink, _pool, _signals, clock, batchCount, 50)
            .WithDispatcher("akka.actor.default-dispatcher");
        return Sys.ActorOf(props);
    }

    /// <summary>Ids first..last; every third DROP, every fifth deferred.</summary>
    private PacketBatchJudged Batch(uint first, uint last)
    {
        var batch = _pool.Rent();
        for (var id = first; id <= last; id++)
            batch.Add(new JudgedPacket(id, Expected(id), false) { Deferred = id % 5 == 0 });
        _sink.Enqueue(Enumerable.Range((int)first, (int)(last - first + 1)).Select(i => (uint)i));
        return batch;
    }

    private static Verdict Expected(uint id) => id % 3 == 0 ? Verdict.Drop : Verdict.Accept;

    private void AssertEveryPacketDecidedOnce(uint last)
    {
        AwaitCondition(() => _sink.Decided.Count == (int)last, SupervisedTestKit.Bound);
        Assert.Empty(_sink.Violations);
        foreach (var (id, verdict) in _sink.Decided)
            Assert.True(VerdictBatchPlanner.ToNf(Expected(id)) == verdict, $"packet {id}: {verdict}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public void A_batcher_that_throws_halfway_through_a_batch_plans_the_rest_after_its_restart(int batchCount)
    {
        var batcher = StartBatcher(batchCount);
        batcher.Tell(Batch(1, 12));
        batcher.Tell(new InjectFault(FaultKind.ThrowMidBatch));
        batcher.Tell(Batch(13, 28));
        batcher.Tell(new InjectFault(FaultKind.Throw));
        batcher.Tell(Batch(29, 40));
        batcher.Tell(QueueIdle.Instance);
        foreach (var id in Enumerable.Range(1, 40).Where(i => i % 5 == 0))
            batcher.Tell(new DeferredPacketJudged((uint)id, Expected((uint)id)));

        AssertEveryPacketDecidedOnce(40);
    }

    [Fact]
    public void A_killed_batcher_is_restarted_and_still_decides_the_packets_deferred_before()
    {
        var batcher = StartBatcher(8);
        Watch(batcher);
        batcher.Tell(Batch(1, 20));
        batcher.Tell(Kill.Instance);
        batcher.Tell(Batch(21, 30));
        batcher.Tell(QueueIdle.Instance);
        foreach (var id in Enumerable.Range(1, 30).Where(i => i % 5 == 0))
            batcher.Tell(new DeferredPacketJudged((uint)id, Expected((uint)id)));

        AssertEveryPacketDecidedOnce(30);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // not Terminated: restarted, not stopped
    }

    [Fact]
    public void A_handed_over_batch_interrupted_in_the_batcher_is_finished_and_the_reader_applies_inline_again()
    {
        var shared = new SharedVerdictPlanner(_sink, _signals, TscClock.Create(null, out _), 8, 50);
        var batcher = Sys.ActorOf(VerdictBatcherActor.Props(shared, _pool, _signals).WithDispatcher("akka.actor.default-dispatcher"));
        batcher.Tell(new InjectFault(FaultKind.ThrowMidBatch));
        var handedOver = Batch(1, 12);
        handedOver.EndOfBurst = true;
        shared.HandingOver();
        batcher.Tell(handedOver);

        AwaitCondition(() => shared.HandedOver == 0, SupervisedTestKit.Bound);
        var inline = Batch(13, 20);
        inline.EndOfBurst = true;
        // False while the restarting batcher holds the planner for its flush: the reader would hand over; here it tries again.
        AwaitCondition(() => shared.TryApplyInline(inline), SupervisedTestKit.Bound);
        foreach (var id in new uint[] { 5, 10, 15, 20 })
            batcher.Tell(new DeferredPacketJudged(id, Expected(id)));

        AssertEveryPacketDecidedOnce(20);
    }

    [Fact]
    public void A_blocked_batcher_decides_everything_once_it_runs_again()
    {
        var batcher = StartBatcher(4);
        batcher.Tell(new InjectFault(FaultKind.Block, TimeSpan.FromMilliseconds(300)));
        batcher.Tell(Batch(1, 10));
        batcher.Tell(QueueIdle.Instance);
        foreach (var id in new uint[] { 5, 10 })
            batcher.Tell(new DeferredPacketJudged(id, Expected(id)));

        AssertEveryPacketDecidedOnce(10);
    }

    void IDisposable.Dispose()
    {
        Shutdown();
        _signals.Dispose();
    }
}
