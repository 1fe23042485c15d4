// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;
using Daf.Actors.Verdicts;
using Daf.Interop.NfQueue;
using Daf.Interop.Time;
using Daf.Tests.Shared;

namespace Daf.Actors.Tests.Verdicts;

public sealed class SharedVerdictPlannerTests
{
    private static readonly TscClock Clock = TscClock.Create(null, out _);
    private readonly RecordingVerdictSink _sink = new();

    private PacketBatchJudged Batch(uint first, uint last, bool endOfBurst = true, uint? deferred = null)
    {
        var batch = new PacketBatchJudged(64);
        for (var id = first; id <= last; id++)
        {
            _sink.Enqueue(id);
            batch.Add(new JudgedPacket(id, Verdict.Accept, false) { Deferred = id == deferred });
        }
        batch.EndOfBurst = endOfBurst;
        return batch;
    }

    [Fact]
    public void Reader_applies_its_batch_inline_when_nothing_is_handed_over()
    {
        var shared = new SharedVerdictPlanner(_sink, null, Clock, 64, 50);
        Assert.True(shared.TryApplyInline(Batch(1, 3)));
        Assert.Equal(["B 3 NF_ACCEPT", "F"], _sink.Messages);
    }

    [Fact]
    public void No_batch_overtakes_one_handed_over_to_the_batcher()
    {
        var shared = new SharedVerdictPlanner(_sink, null, Clock, 64, 50);
        var first = Batch(1, 2);
        var second = Batch(3, 4);
        shared.HandingOver();
        Assert.False(shared.TryApplyInline(second));
        Assert.False(shared.TryFlushAllInline());
        Assert.Empty(_sink.Messages);

        shared.ApplyHandedOver(first);
        Assert.Equal(0, shared.HandedOver);
        Assert.True(shared.TryApplyInline(second));
        Assert.Equal(["B 2 NF_ACCEPT", "F", "B 4 NF_ACCEPT", "F"], _sink.Messages);
    }

    [Fact]
    public void After_a_batcher_is_replaced_the_reader_applies_inline_again()
    {
        var shared = new SharedVerdictPlanner(_sink, null, Clock, 64, 50);
        shared.HandingOver(); // lost with the old batcher's mailbox
        Assert.False(shared.TryApplyInline(Batch(1, 1)));
        shared.BatcherReplaced();
        Assert.True(shared.TryApplyInline(Batch(2, 2)));
        shared.ApplyHandedOver(Batch(3, 3)); // a late batch of the old batcher never drives the count below zero
        Assert.Equal(0, shared.HandedOver);
    }

    [Fact]
    public void Reader_does_not_wait_while_the_batcher_holds_the_planner()
    {
        var shared = new SharedVerdictPlanner(_sink, null, Clock, 64, 50);
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var batcher = new Thread(() =>
        {
            using (shared.Enter())
            {
                held.Set();
                release.Wait(TimeSpan.FromSeconds(30));
            }
        });
        batcher.Start();
        try
        {
            Assert.True(held.Wait(TimeSpan.FromSeconds(30)));
            Assert.False(shared.TryApplyInline(Batch(1, 1)));
        }
        finally
        {
            release.Set();
            batcher.Join();
        }
        Assert.Empty(_sink.Messages);
    }

    [Fact]
    public void A_packet_deferred_inline_gets_exactly_one_verdict_when_the_batcher_decides_it()
    {
        var shared = new SharedVerdictPlanner(_sink, null, Clock, 64, 50);
        Assert.True(shared.TryApplyInline(Batch(1, 3, deferred: 2)));
        // A batch verdict would cover the deferred packet: the others go out one by one.
        Assert.Equal(["V 1 NF_ACCEPT", "V 3 NF_ACCEPT", "F"], _sink.Messages);
        Assert.Equal(1, shared.DeferredCount);

        using (shared.Enter()) shared.Planner.Decide(2, Verdict.Drop);
        Assert.Equal(NfVerdict.NF_DROP, _sink.Decided[2]);
        Assert.Equal(0, shared.DeferredCount);
        Assert.True(shared.TryApplyInline(Batch(4, 5)));
        Assert.Equal("B 5 NF_ACCEPT", _sink.Messages[^2]);
    }

    [Fact]
    public void A_signed_packet_applied_inline_gets_its_own_verdict_with_payload_after_the_run()
    {
        var shared = new SharedVerdictPlanner(_sink, null, Clock, 64, 50);
        var batch = new PacketBatchJudged(64);
        batch.Add(new JudgedPacket(1, Verdict.Accept, false));
        batch.Add(new JudgedPacket(2, Verdict.Accept, false));
        byte[] signed = [0xAB, 0xCD, 0xEF];
        signed.CopyTo(batch.SignedSpace(signed.Length));
        batch.Add(new JudgedPacket(3, Verdict.Accept, false) { SignedOffset = batch.CommitSigned(signed.Length), SignedLength = signed.Length });
        batch.Add(new JudgedPacket(4, Verdict.Drop, false));
        batch.EndOfBurst = true;
        _sink.Enqueue(1);
        _sink.Enqueue(2);
        _sink.Enqueue(3);
        _sink.Enqueue(4);

        Assert.True(shared.TryApplyInline(batch));

        Assert.Equal(["B 2 NF_ACCEPT", "P 3 NF_ACCEPT ABCDEF", "V 4 NF_DROP", "F"], _sink.Messages);
    }

    [Fact]
    public void Inline_path_allocates_nothing()
    {
        var sink = new CountingSink();
        var shared = new SharedVerdictPlanner(sink, null, Clock, 64, 50);
        var batch = new PacketBatchJudged(64);
        uint next = 1;
        long allocated = Allocations.Measure(() =>
        {
            batch.Clear();
            for (var i = 0; i < 8; i++) batch.Add(new JudgedPacket(next++, Verdict.Accept, false));
            batch.EndOfBurst = true;
            shared.TryApplyInline(batch);
        });
        Assert.InRange(allocated, 0, Allocations.StrayBytes);
        Assert.True(sink.Messages > 0);
    }

    private sealed class CountingSink : IVerdictSink
    {
        public long Messages;
        public void Verdict(uint packetId, NfVerdict verdict) => Messages++;
        public void BatchVerdict(uint maxPacketId, NfVerdict verdict) => Messages++;
        public void VerdictWithPayload(uint packetId, NfVerdict verdict, ReadOnlySpan<byte> packet) => Messages++;
        public void Flush() { }
    }
}
