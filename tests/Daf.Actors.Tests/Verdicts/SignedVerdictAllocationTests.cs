// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Host;
using Daf.Actors.Queue;
using Daf.Actors.Rules;
using Daf.Actors.Signatures;
using Daf.Actors.Tests.Signatures;
using Daf.Actors.Verdicts;
using Daf.Interop.NfQueue;
using Daf.Interop.Packets;
using Daf.Interop.Time;
using Daf.Tests.Shared;

namespace Daf.Actors.Tests.Verdicts;

/// <summary>The signing queue's verdict path (reader's rewrite into the batch message, planner, sink) allocates nothing per packet.</summary>
public sealed class SignedVerdictAllocationTests
{
    private const int BatchDepth = 64;

    private static readonly SigningKeys Keys = SigningKeys.FromBytes(PacketSignerTests.KeyA);

    // The bench's UDP flood: 64-byte payloads, 92-byte IP packets.
    private static readonly byte[] Packet = SignatureTestPackets.Build(4, SignatureTestPackets.Udp, 92, new Random(1));

    private readonly QueueSignatures _signatures = new(new PacketSigner(Keys, 7), SignatureMode.Packet, null, false, 1500, null, null);
    private readonly QueueCounters _counters = new();
    private readonly PacketHeaders _headers;
    private uint _next = 1;

    public SignedVerdictAllocationTests() => Assert.True(PacketHeaderParser.TryParse(Packet, out _headers));

    /// <summary>What <c>QueueReaderActor.JudgeBatch</c> does with an accepted packet of a signing queue.</summary>
    private void FillSigned(PacketBatchJudged batch, int count)
    {
        batch.Clear();
        for (var i = 0; i < count; i++)
        {
            var space = batch.SignedSpace(QueueSignatures.MaxRewrittenLength(Packet.Length));
            var written = _signatures.TryRewrite(Packet, _headers, true, 1000u, null, space, _counters);
            Assert.True(written > 0);
            batch.Add(new JudgedPacket(_next++, Verdict.Accept, false) { SignedOffset = batch.CommitSigned(written), SignedLength = written });
        }
        batch.EndOfBurst = true;
    }

    [Fact]
    public void Signing_judging_and_sending_allocate_nothing_per_packet_in_steady_state()
    {
        var sink = new BufferSink();
        var shared = new SharedVerdictPlanner(sink, null, TscClock.Create(null, out _), BatchDepth, 50);
        var batch = new PacketBatchJudged(BatchDepth);

        long allocated = Allocations.Measure(() =>
        {
            FillSigned(batch, BatchDepth);
            Assert.True(shared.TryApplyInline(batch));
        }, calls: 500);

        Assert.InRange(allocated, 0, Allocations.StrayBytes);
        Assert.Equal(3 * 500L * BatchDepth, sink.Payloads);
        Assert.Equal(_counters.Signed, sink.Payloads);
    }

    [Fact]
    public void A_new_batch_message_allocates_for_what_it_signs_not_for_a_batch_of_MTU_sized_packets()
    {
        // The pool makes a new message whenever the batcher holds every free one (a busy queue hands its batches
        // over); its signed buffer was sized for Capacity x 1,600 bytes (100 KB here) on first use.
        FillSigned(new PacketBatchJudged(BatchDepth), BatchDepth);
        long before = GC.GetAllocatedBytesForCurrentThread();
        FillSigned(new PacketBatchJudged(BatchDepth), BatchDepth);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        int signedBytes = BatchDepth * QueueSignatures.MaxRewrittenLength(Packet.Length);
        Assert.InRange(allocated, signedBytes, 2 * signedBytes + 4096);
    }

    [Fact]
    public void The_signed_buffer_still_grows_for_large_packets_and_keeps_what_was_signed()
    {
        var batch = new PacketBatchJudged(4);
        var large = SignatureTestPackets.Build(4, SignatureTestPackets.Udp, 9000, new Random(2));
        Assert.True(PacketHeaderParser.TryParse(large, out PacketHeaders headers));
        var signed = new List<byte[]>();
        for (var i = 0; i < 4; i++)
        {
            var packet = i % 2 == 0 ? Packet : large;
            var h = i % 2 == 0 ? _headers : headers;
            var written = _signatures.TryRewrite(packet, h, true, null, null, batch.SignedSpace(QueueSignatures.MaxRewrittenLength(packet.Length)), _counters);
            Assert.True(written > 0);
            var offset = batch.CommitSigned(written);
            batch.Add(new JudgedPacket((uint)i, Verdict.Accept, false) { SignedOffset = offset, SignedLength = written });
            signed.Add(batch.Signed(batch.Packets[i]).ToArray());
        }
        for (var i = 0; i < 4; i++)
            Assert.Equal(signed[i], batch.Signed(batch.Packets[i]).ToArray());
    }

    /// <summary>Copies each payload into a reused buffer, as <see cref="SocketVerdictSink"/> does into its datagram.</summary>
    private sealed class BufferSink : IVerdictSink
    {
        private readonly byte[] _datagram = new byte[NfQueueVerdictBuffer.MaxDatagramBytes];
        private int _length;
        public long Payloads;

        public void Verdict(uint packetId, NfVerdict verdict) => throw new InvalidOperationException("signed packets carry their payload");
        public void BatchVerdict(uint maxPacketId, NfVerdict verdict) => throw new InvalidOperationException("signed packets carry their payload");

        public void VerdictWithPayload(uint packetId, NfVerdict verdict, ReadOnlySpan<byte> packet)
        {
            if (_datagram.Length - _length < packet.Length) Flush();
            packet.CopyTo(_datagram.AsSpan(_length));
            _length += packet.Length;
            Payloads++;
        }

        public void Flush() => _length = 0;
    }
}
