// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using Akka.TestKit.Xunit2;
using Daf.Actors.Tracking;
using Daf.Interop.Bpf;

namespace Daf.Actors.Tests.Tracking;

public sealed class TrackingEventPublisherTests : TestKit
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(100);

    private static byte[] SocketRecord(uint pid, int fd, ulong inode)
    {
        byte[] bytes = new byte[DescriptorEvent.Size];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)BpfEventKind.FdSocket);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), DescriptorEvent.Size);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), pid);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(16), pid);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(20), fd);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(24), fd);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(32), inode);
        return bytes;
    }

    private static byte[] MappingRecord(uint pid, ulong start)
    {
        byte[] bytes = new byte[MappingEvent.Size];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)BpfEventKind.ExecMapped);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), MappingEvent.Size);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), pid);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(24), start);
        return bytes;
    }

    [Fact]
    public void A_round_arrives_as_one_batch_in_ring_order_with_each_event_decoded()
    {
        var publisher = new TrackingEventPublisher(null);
        var subscriber = CreateTestProbe();
        publisher.Subscribe(subscriber);

        publisher.Add(SocketRecord(10, 300, 555));
        publisher.Add([1, 2, 3]); // malformed: skipped
        publisher.Add(MappingRecord(10, 0x7000));
        publisher.EndOfRound();

        var batch = subscriber.ExpectMsg<TrackingEventsReceived>();
        TrackingEvent[] events = batch.Events.ToArray();
        Assert.Equal([TrackingEventType.Descriptor, TrackingEventType.Mapping], events.Select(e => e.Type));
        Assert.Equal((BpfEventKind.FdSocket, 300, 555UL), (events[0].Kind, events[0].Descriptor.Fd, events[0].Descriptor.Inode));
        Assert.Equal(0x7000UL, events[1].Mapping.Start);
        Assert.Throws<InvalidOperationException>(() => events[1].Process);
        batch.Release();
        Assert.Throws<ObjectDisposedException>(() => batch.Events.Length);
        subscriber.ExpectNoMsg(Quiet);
    }

    [Fact]
    public void A_full_batch_is_sent_without_waiting_for_the_end_of_the_round()
    {
        var publisher = new TrackingEventPublisher(null);
        var subscriber = CreateTestProbe();
        publisher.Subscribe(subscriber);

        for (int i = 0; i < TrackingEventBatch.Capacity + 1; i++)
            publisher.Add(SocketRecord(1, i, (ulong)i));

        var full = subscriber.ExpectMsg<TrackingEventsReceived>();
        Assert.Equal(TrackingEventBatch.Capacity, full.Events.Length);
        publisher.EndOfRound();
        var rest = subscriber.ExpectMsg<TrackingEventsReceived>();
        Assert.Equal(TrackingEventBatch.Capacity, rest.Events[0].Descriptor.Fd);
        Assert.Equal(full.Sequence + 1, rest.Sequence);
    }

    [Fact]
    public void A_batch_goes_back_to_the_pool_only_after_every_subscriber_released_it()
    {
        var publisher = new TrackingEventPublisher(null);
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        publisher.Subscribe(first);
        publisher.Subscribe(second);

        publisher.Add(SocketRecord(1, 3, 42));
        publisher.EndOfRound();
        var forFirst = first.ExpectMsg<TrackingEventsReceived>();
        var forSecond = second.ExpectMsg<TrackingEventsReceived>();
        forFirst.Release();
        forFirst.Release(); // idempotent: must not count twice

        publisher.Add(SocketRecord(1, 4, 43));
        publisher.EndOfRound();
        Assert.Equal(42UL, forSecond.Events[0].Descriptor.Inode); // not reused while the second still holds it
        forSecond.Release();
        first.ExpectMsg<TrackingEventsReceived>().Release();
        second.ExpectMsg<TrackingEventsReceived>().Release();
    }

    [Fact]
    public void A_lagging_subscriber_is_told_at_once_and_again_for_what_it_missed_until_it_caught_up()
    {
        var publisher = new TrackingEventPublisher(null);
        var slow = CreateTestProbe();
        var fast = CreateTestProbe();
        publisher.Subscribe(slow);
        publisher.Subscribe(fast);

        var held = new List<TrackingEventsReceived>();
        for (int round = 0; round < TrackingEventPublisher.MaxPendingBatches; round++)
        {
            publisher.Add(SocketRecord(1, round, 1));
            publisher.EndOfRound();
            held.Add(slow.ExpectMsg<TrackingEventsReceived>());
            fast.ExpectMsg<TrackingEventsReceived>().Release();
        }

        publisher.Add(SocketRecord(1, 100, 1));
        publisher.Add(SocketRecord(1, 101, 1));
        publisher.EndOfRound();
        Assert.Equal(new TrackingEventsLost(2, TrackingLossCause.SubscriberLagging), slow.ExpectMsg<TrackingEventsLost>());
        publisher.Add(SocketRecord(1, 102, 1));
        publisher.EndOfRound();
        slow.ExpectNoMsg(Quiet); // already told; counted for the next notice
        Assert.Equal(3, Interlocked.Read(ref publisher.LaggingLost));
        fast.ExpectMsg<TrackingEventsReceived>().Release();
        fast.ExpectMsg<TrackingEventsReceived>().Release();

        held.ForEach(batch => batch.Release());
        publisher.Add(SocketRecord(1, 103, 1));
        publisher.EndOfRound();
        Assert.Equal(new TrackingEventsLost(1, TrackingLossCause.SubscriberLagging), slow.ExpectMsg<TrackingEventsLost>());
        Assert.Equal(103, slow.ExpectMsg<TrackingEventsReceived>().Events[0].Descriptor.Fd);
        fast.ExpectMsg<TrackingEventsReceived>().Release();
    }

    [Fact]
    public void A_rise_of_the_kernel_drop_counter_is_announced_to_every_subscriber()
    {
        ulong dropped = 5; // counted before the publisher started: not a loss of ours
        var publisher = new TrackingEventPublisher(() => dropped);
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        publisher.Subscribe(first);
        publisher.Subscribe(second);

        publisher.EndOfRound();
        first.ExpectNoMsg(Quiet);

        dropped = 12;
        publisher.Add(SocketRecord(1, 3, 1));
        publisher.EndOfRound();
        first.ExpectMsg<TrackingEventsReceived>().Release();
        Assert.Equal(new TrackingEventsLost(7, TrackingLossCause.KernelRingBufferFull), first.ExpectMsg<TrackingEventsLost>());
        second.ExpectMsg<TrackingEventsReceived>().Release();
        Assert.Equal(new TrackingEventsLost(7, TrackingLossCause.KernelRingBufferFull), second.ExpectMsg<TrackingEventsLost>());
        Assert.Equal(12UL, publisher.KernelDropped);
    }

    [Fact]
    public void Unsubscribed_actors_get_nothing_and_subscribing_twice_is_one_subscription()
    {
        var publisher = new TrackingEventPublisher(null);
        var subscriber = CreateTestProbe();
        Assert.True(publisher.Subscribe(subscriber));
        Assert.False(publisher.Subscribe(subscriber));
        Assert.Equal(1, publisher.SubscriberCount);

        publisher.Add(SocketRecord(1, 3, 1));
        publisher.EndOfRound();
        subscriber.ExpectMsg<TrackingEventsReceived>().Release();
        subscriber.ExpectNoMsg(Quiet);

        publisher.Unsubscribe(subscriber);
        publisher.Add(SocketRecord(1, 4, 1));
        publisher.EndOfRound();
        subscriber.ExpectNoMsg(Quiet);
    }
}
