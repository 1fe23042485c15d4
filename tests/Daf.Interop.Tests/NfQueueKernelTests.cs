// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Daf.Interop.Netlink;
using Daf.Interop.NfQueue;
using Daf.Interop.Posix;

namespace Daf.Interop.Tests;

/// <summary>The queue against the real kernel, inside a namespace each test creates (root needed).</summary>
public sealed class NfQueueKernelTests
{
    [Fact]
    public void Queued_packets_arrive_with_payload_increasing_ids_and_the_output_hook()
    {
        using var bed = new QueueBed();
        for (int i = 0; i < 3; i++)
            bed.Send("datagram-" + i);

        var packets = bed.ReceivePackets(3);

        Assert.Equal(3, packets.Count);
        for (int i = 0; i < 3; i++)
        {
            (NfQueuePacket packet, byte[] payload) = packets[i];
            Assert.Equal(0x0800, packet.HwProtocol);
            Assert.Equal(3, packet.Hook);
            Assert.Equal(17, payload[9]);
            Assert.Equal(bed.Port, BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(22)));
            Assert.Equal("datagram-" + i, Encoding.ASCII.GetString(payload, 28, payload.Length - 28));
            if (i > 0)
                Assert.True(packet.PacketId > packets[i - 1].Packet.PacketId);
            bed.Queue.SetVerdict(packet.PacketId, NfVerdict.NF_ACCEPT);
        }
        Assert.Equal(["datagram-0", "datagram-1", "datagram-2"], bed.Delivered());
    }

    [Fact]
    public void Accept_delivers_and_drop_does_not()
    {
        using var bed = new QueueBed();
        bed.Send("keep");
        bed.Send("lose");
        var packets = bed.ReceivePackets(2);
        Assert.Equal(2, packets.Count);

        foreach ((NfQueuePacket packet, byte[] payload) in packets)
        {
            bool keep = Encoding.ASCII.GetString(payload, 28, payload.Length - 28) == "keep";
            bed.Queue.SetVerdict(packet.PacketId, keep ? NfVerdict.NF_ACCEPT : NfVerdict.NF_DROP);
        }

        Assert.Equal(["keep"], bed.Delivered());
    }

    [Fact]
    public void Batch_verdict_decides_every_packet_up_to_its_id()
    {
        using var bed = new QueueBed();
        for (int i = 0; i < 5; i++)
            bed.Send("b" + i);
        var packets = bed.ReceivePackets(5);
        Assert.Equal(5, packets.Count);

        bed.Queue.SetVerdictBatch(packets[2].Packet.PacketId, NfVerdict.NF_ACCEPT);
        Assert.Equal(["b0", "b1", "b2"], bed.Delivered());

        bed.Queue.SetVerdictBatch(packets[4].Packet.PacketId, NfVerdict.NF_DROP);
        Assert.Empty(bed.Delivered(300));
        Assert.Equal(0, bed.Queue.KernelErrorCount);
    }

    [Fact]
    public void Verdicts_sent_together_in_one_datagram_act_in_order_and_continue_past_an_error()
    {
        using var bed = new QueueBed();
        for (int i = 0; i < 6; i++)
            bed.Send("m" + i);
        var packets = bed.ReceivePackets(6);
        Assert.Equal(6, packets.Count);

        var verdicts = new NfQueueVerdictBuffer(QueueBed.QueueNumber);
        verdicts.AddVerdict(packets[1].Packet.PacketId, NfVerdict.NF_DROP);
        verdicts.AddBatchVerdict(packets[2].Packet.PacketId, NfVerdict.NF_ACCEPT);
        verdicts.AddVerdict(999_999, NfVerdict.NF_ACCEPT);
        verdicts.AddVerdict(packets[4].Packet.PacketId, NfVerdict.NF_ACCEPT);
        verdicts.AddBatchVerdict(packets[5].Packet.PacketId, NfVerdict.NF_DROP);
        Assert.Equal(5, verdicts.Count);
        bed.Queue.Send(verdicts);
        Assert.Equal(0, verdicts.Count);

        Assert.Equal(["m0", "m2", "m4"], bed.Delivered().Order().ToList());
    }

    [Fact]
    public void Mark_verdict_marks_the_packet_seen_again_on_input()
    {
        using var bed = new QueueBed();
        bed.Netns.Exec("iptables", "-w", "-I", "INPUT", "-p", "udp", "--dport", bed.Port.ToString(), "-j", "NFQUEUE", "--queue-num", "6");
        NfQueueSocket input = bed.Netns.RunIn(() => NfQueueSocket.Open(new NfQueueConfig { QueueNumber = 6 }));
        bed.Own(input);

        bed.Send("marked");
        var outgoing = bed.ReceivePackets(1);
        Assert.Single(outgoing);
        Assert.False(outgoing[0].Packet.HasMark);
        bed.Queue.SetVerdict(outgoing[0].Packet.PacketId, NfVerdict.NF_ACCEPT, 0x2A);

        var incoming = bed.ReceivePackets(1, input);
        Assert.Single(incoming);
        Assert.Equal(1, incoming[0].Packet.Hook);
        Assert.True(incoming[0].Packet.HasMark);
        Assert.Equal(0x2Au, incoming[0].Packet.Mark);
        input.SetVerdict(incoming[0].Packet.PacketId, NfVerdict.NF_ACCEPT);
        Assert.Equal(["marked"], bed.Delivered());
    }

    [Fact]
    public void Receive_returns_zero_at_once_when_nothing_is_queued()
    {
        using var bed = new QueueBed();
        // A blocking receive would never return: run it on a thread and give it far more than it needs.
        int n = -1;
        var receiver = new Thread(() => n = bed.Queue.Receive(bed.Batch));
        receiver.Start();

        Assert.True(receiver.Join(TimeSpan.FromSeconds(10)), "Receive blocked with nothing queued");
        Assert.Equal(0, n);
        Assert.Equal(0, bed.Batch.Count);
    }

    [Fact]
    public void Poller_wakes_when_a_packet_is_queued()
    {
        using var bed = new QueueBed();
        var sender = new Thread(() =>
        {
            Thread.Sleep(100);
            bed.Send("wake");
        });
        sender.Start();
        Span<bool> readable = stackalloc bool[1];
        var clock = Stopwatch.StartNew();

        int ready = Poller.Wait([bed.Queue.FileDescriptor], readable, 5_000_000_000);

        Assert.Equal(1, ready);
        Assert.True(readable[0]);
        Assert.True(clock.ElapsedMilliseconds < 5000, "woke by the packet, not by the 5 s timeout");
        Assert.Equal(1, bed.Queue.Receive(bed.Batch));
        bed.Queue.SetVerdict(bed.Batch[0].PacketId, NfVerdict.NF_ACCEPT);
        sender.Join();
    }

    [Fact]
    public void Uid_gid_flag_gives_the_sending_sockets_owner()
    {
        using var bed = new QueueBed(new NfQueueConfig { QueueNumber = QueueBed.QueueNumber, Flags = NfqaCfgFlags.NFQA_CFG_F_UID_GID });
        bed.Send("owned");

        var packets = bed.ReceivePackets(1);

        Assert.Single(packets);
        Assert.True(packets[0].Packet.HasUid);
        Assert.Equal(GetUid(), packets[0].Packet.Uid);
        Assert.True(packets[0].Packet.HasGid);
        bed.Queue.SetVerdict(packets[0].Packet.PacketId, NfVerdict.NF_ACCEPT);
    }

    [Fact]
    public void Copy_range_truncates_the_payload_and_reports_the_real_length()
    {
        using var bed = new QueueBed(new NfQueueConfig { QueueNumber = QueueBed.QueueNumber, CopyRange = 40 });
        bed.Send(new string('x', 100));

        var packets = bed.ReceivePackets(1);

        Assert.Single(packets);
        Assert.Equal(40, packets[0].Payload.Length);
        Assert.Equal(128u, packets[0].Packet.OriginalLength);
        bed.Queue.SetVerdict(packets[0].Packet.PacketId, NfVerdict.NF_ACCEPT);
        Assert.Equal([new string('x', 100)], bed.Delivered());
    }

    [Fact]
    public void Conntrack_flag_is_refused_by_name()
    {
        using var ns = new TestNetns();

        var error = Assert.Throws<NetlinkException>(() => ns.RunIn(() => NfQueueSocket.Open(
            new NfQueueConfig { QueueNumber = 3, Flags = NfqaCfgFlags.NFQA_CFG_F_CONNTRACK })));

        Assert.Equal(Errno.EOPNOTSUPP, error.Errno);
        Assert.StartsWith("NFQA_CFG_FLAGS", error.Operation);
        Assert.EndsWith("queue 3", error.Operation);
    }

    [Fact]
    public void Binding_a_queue_another_socket_holds_fails_naming_the_bind()
    {
        using var ns = new TestNetns();
        using NfQueueSocket first = ns.RunIn(() => NfQueueSocket.Open(new NfQueueConfig { QueueNumber = 3 }));

        var error = Assert.Throws<NetlinkException>(() => ns.RunIn(() => NfQueueSocket.Open(new NfQueueConfig { QueueNumber = 3 })));

        Assert.Equal("NFQNL_CFG_CMD_BIND queue 3", error.Operation);
        Assert.Equal(Errno.EPERM, error.Errno);
    }

    [Fact]
    public void Accepted_flags_and_queue_length_are_taken()
    {
        using var ns = new TestNetns();
        using NfQueueSocket queue = ns.RunIn(() => NfQueueSocket.Open(new NfQueueConfig
        {
            QueueNumber = 4,
            MaxQueueLength = 4096,
            Flags = NfqaCfgFlags.NFQA_CFG_F_FAIL_OPEN | NfqaCfgFlags.NFQA_CFG_F_GSO | NfqaCfgFlags.NFQA_CFG_F_UID_GID,
        }));

        Assert.True(queue.FileDescriptor >= 0);
        queue.Dispose();
        queue.Dispose();
        Assert.Equal(-1, queue.FileDescriptor);
    }

    [Fact]
    public void Unbinding_lets_another_socket_take_the_queue()
    {
        using var ns = new TestNetns();
        NfQueueSocket first = ns.RunIn(() => NfQueueSocket.Open(new NfQueueConfig { QueueNumber = 3 }));
        first.Dispose();

        using NfQueueSocket second = ns.RunIn(() => NfQueueSocket.Open(new NfQueueConfig { QueueNumber = 3 }));

        Assert.True(second.FileDescriptor >= 0);
    }

    [Fact]
    public void Overflowing_the_receive_buffer_is_counted_and_the_buffer_grows()
    {
        var config = new NfQueueConfig
        {
            QueueNumber = QueueBed.QueueNumber,
            ReceiveBufferBytes = 8192,
            MaxReceiveBufferBytes = 1 << 20,
            MaxQueueLength = 10_000,
        };
        using var bed = new QueueBed(config);
        for (int i = 0; i < 200; i++)
            bed.Send(new string('f', 1000));

        var packets = bed.ReceivePackets(200, timeoutMilliseconds: 1000);

        Assert.True(bed.Queue.EnobufsCount > 0);
        Assert.True(bed.Queue.ReceiveBufferBytes > 8192);
        Assert.InRange(packets.Count, 1, 199);
        foreach (var (packet, _) in packets)
            bed.Queue.SetVerdict(packet.PacketId, NfVerdict.NF_DROP);

        for (int i = 0; i < 10; i++)
            bed.Send("after-" + i);
        var later = bed.ReceivePackets(10);
        Assert.Equal(10, later.Count);
        bed.Queue.SetVerdictBatch(later[^1].Packet.PacketId, NfVerdict.NF_ACCEPT);
        Assert.Equal(10, bed.Delivered().Count);
    }

    [Fact]
    public void Verdict_for_an_unknown_id_comes_back_as_a_counted_error()
    {
        using var bed = new QueueBed();
        bed.Queue.SetVerdict(999_999, NfVerdict.NF_ACCEPT);
        Span<bool> readable = stackalloc bool[1];
        Poller.Wait([bed.Queue.FileDescriptor], readable, 2_000_000_000);

        Assert.Equal(0, bed.Queue.Receive(bed.Batch));
        Assert.Equal(1, bed.Queue.KernelErrorCount);
        Assert.Equal(Errno.ENOENT, bed.Queue.LastKernelErrno);
    }

    [Fact]
    public void Verdict_on_a_closed_queue_throws_naming_the_message()
    {
        using var bed = new QueueBed();
        bed.Queue.Dispose();

        var error = Assert.Throws<NetlinkException>(() => bed.Queue.SetVerdict(1, NfVerdict.NF_ACCEPT));

        Assert.Equal("NFQNL_MSG_VERDICT queue 5", error.Operation);
        Assert.Equal(Errno.EBADF, error.Errno);
    }

    [Fact]
    public void Ipv6_tcp_syn_is_queued_with_the_ipv6_protocol()
    {
        using var ns = new TestNetns();
        ns.Exec("ip6tables", "-w", "-I", "OUTPUT", "-p", "tcp", "-d", "::1", "--dport", "9556", "-j", "NFQUEUE", "--queue-num", "5");
        using NfQueueSocket queue = ns.RunIn(() => NfQueueSocket.Open(new NfQueueConfig { QueueNumber = 5 }));
        using Socket client = ns.RunIn(() => new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp));
        client.Blocking = false;
        try
        {
            client.Connect(new IPEndPoint(IPAddress.IPv6Loopback, 9556));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock || e.SocketErrorCode == SocketError.InProgress)
        {
        }
        NfQueuePacketBatch batch = queue.CreateBatch();
        Span<bool> readable = stackalloc bool[1];

        Assert.Equal(1, Poller.Wait([queue.FileDescriptor], readable, 5_000_000_000));
        Assert.Equal(1, queue.Receive(batch));

        Assert.Equal(0x86DD, batch[0].HwProtocol);
        ReadOnlySpan<byte> ip = batch.Payload(0);
        Assert.Equal(6, ip[0] >> 4);
        Assert.Equal(6, ip[6]);
        Assert.Equal(0x02, ip[40 + 13] & 0x02);
        queue.SetVerdict(batch[0].PacketId, NfVerdict.NF_DROP);
    }

    [Fact]
    public void Receive_and_verdicts_allocate_nothing_in_steady_state()
    {
        using var bed = new QueueBed();
        NfQueueSocket queue = bed.Queue;
        NfQueuePacketBatch batch = bed.Batch;
        Span<bool> readable = stackalloc bool[1];
        long allocated = 0;
        int decided = 0;
        const int warmUp = 100, rounds = 300;
        for (int round = 0; round < rounds; round++)
        {
            if (round == warmUp)
                Thread.Sleep(300); // let tiered compilation settle; its bookkeeping may allocate once on this thread
            bed.Send("steady-" + round);
            long before = GC.GetAllocatedBytesForCurrentThread();
            Poller.Wait([queue.FileDescriptor], readable, 2_000_000_000);
            int n = queue.Receive(batch);
            for (int i = 0; i < n; i++)
            {
                if (batch[i].PacketId % 2 == 0)
                    queue.SetVerdict(batch[i].PacketId, NfVerdict.NF_ACCEPT, 7);
                else
                    queue.SetVerdictBatch(batch[i].PacketId, NfVerdict.NF_ACCEPT);
                decided++;
            }
            if (round >= warmUp)
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.Equal(rounds, decided);
        // Any allocation per packet would cost at least 24 bytes x 200; allow one stray runtime object.
        Assert.InRange(allocated, 0, 100);
        Assert.Equal(0, queue.KernelErrorCount);
    }

    [Fact]
    public void Verdict_with_payload_delivers_the_replacement_in_order_with_other_verdicts()
    {
        using var bed = new QueueBed();
        bed.Send("first");
        bed.Send("plain");
        bed.Send("third");
        var packets = bed.ReceivePackets(3);
        Assert.Equal(3, packets.Count);

        var verdicts = new NfQueueVerdictBuffer(QueueBed.QueueNumber);
        verdicts.AddVerdictWithPayload(packets[0].Packet.PacketId, NfVerdict.NF_ACCEPT, WithUdpText(packets[0].Payload, "first, but longer now"));
        verdicts.AddVerdict(packets[1].Packet.PacketId, NfVerdict.NF_ACCEPT);
        verdicts.AddVerdictWithPayload(packets[2].Packet.PacketId, NfVerdict.NF_ACCEPT, WithUdpText(packets[2].Payload, "3"));
        Assert.Equal(3, verdicts.Count);
        bed.Queue.Send(verdicts);

        Assert.Equal(["first, but longer now", "plain", "3"], bed.Delivered());
        Assert.Equal(0, bed.Queue.KernelErrorCount);
    }

    [Fact]
    public void Verdict_buffer_makes_room_for_the_largest_payload_only_when_empty()
    {
        var verdicts = new NfQueueVerdictBuffer(QueueBed.QueueNumber);
        Assert.True(verdicts.HasRoomFor(NfQueueVerdictBuffer.MaxPayloadBytes));
        verdicts.AddVerdictWithPayload(1, NfVerdict.NF_ACCEPT, new byte[NfQueueVerdictBuffer.MaxPayloadBytes]);
        Assert.False(verdicts.HasRoomFor(NfQueueVerdictBuffer.MaxPayloadBytes));
        Assert.True(verdicts.HasRoomFor(1500));
        Assert.Throws<ArgumentOutOfRangeException>(() => verdicts.AddVerdictWithPayload(2, NfVerdict.NF_ACCEPT, new byte[NfQueueVerdictBuffer.MaxPayloadBytes + 1]));
    }

    /// <summary>The IPv4/UDP packet with its data replaced: lengths and IP checksum fixed, UDP checksum 0 (none).</summary>
    private static byte[] WithUdpText(byte[] packet, string text)
    {
        int headerLength = (packet[0] & 0x0F) * 4;
        byte[] data = Encoding.ASCII.GetBytes(text);
        byte[] result = new byte[headerLength + 8 + data.Length];
        packet.AsSpan(0, headerLength + 8).CopyTo(result);
        data.CopyTo(result, headerLength + 8);
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(2), (ushort)result.Length);
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(10), 0);
        uint sum = 0;
        for (int i = 0; i < headerLength; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(result.AsSpan(i));
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(10), (ushort)~sum);
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(headerLength + 4), (ushort)(8 + data.Length));
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(headerLength + 6), 0);
        return result;
    }

    private static uint GetUid() => (uint)Tmds.Linux.LibC.getuid();
}
