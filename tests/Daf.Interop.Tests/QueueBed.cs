// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Daf.Interop.NfQueue;
using Daf.Interop.Posix;

namespace Daf.Interop.Tests;

/// <summary>
/// A test namespace whose OUTPUT UDP traffic to 127.0.0.1:<see cref="Port"/> goes to NFQUEUE <see cref="QueueNumber"/>,
/// with the queue bound inside it and a UDP sender and receiver made there too.
/// </summary>
public sealed class QueueBed : IDisposable
{
    public const ushort QueueNumber = 5;

    private readonly List<IDisposable> _owned = [];

    public QueueBed(NfQueueConfig? config = null, ushort port = 9555)
    {
        Netns = new TestNetns();
        try
        {
            Port = port;
            Netns.Exec("iptables", "-w", "-I", "OUTPUT", "-p", "udp", "-d", "127.0.0.1", "--dport", Port.ToString(),
                "-j", "NFQUEUE", "--queue-num", QueueNumber.ToString());
            Queue = Netns.RunIn(() => NfQueueSocket.Open(config ?? new NfQueueConfig { QueueNumber = QueueNumber }));
            _owned.Add(Queue);
            Batch = Queue.CreateBatch();
            Receiver = Netns.RunIn(() =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, Port));
                return socket;
            });
            _owned.Add(Receiver);
            Sender = Netns.RunIn(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
            _owned.Add(Sender);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public TestNetns Netns { get; }
    public ushort Port { get; }
    public NfQueueSocket Queue { get; }
    public NfQueuePacketBatch Batch { get; }
    public Socket Receiver { get; }
    public Socket Sender { get; }

    public void Send(string text) =>
        Sender.SendTo(System.Text.Encoding.ASCII.GetBytes(text), new IPEndPoint(IPAddress.Loopback, Port));

    /// <summary>Waits (poll) and receives until <paramref name="count"/> packets arrived or the time is up.</summary>
    public List<(NfQueuePacket Packet, byte[] Payload)> ReceivePackets(int count, NfQueueSocket? queue = null, int timeoutMilliseconds = 5000)
    {
        queue ??= Queue;
        NfQueuePacketBatch batch = queue == Queue ? Batch : queue.CreateBatch();
        var packets = new List<(NfQueuePacket, byte[])>();
        var clock = Stopwatch.StartNew();
        Span<bool> readable = stackalloc bool[1];
        while (packets.Count < count && clock.ElapsedMilliseconds < timeoutMilliseconds)
        {
            Poller.Wait([queue.FileDescriptor], readable, 200_000_000);
            int n = queue.Receive(batch);
            for (int i = 0; i < n; i++)
                packets.Add((batch[i], batch.Payload(i).ToArray()));
        }
        return packets;
    }

    /// <summary>Datagrams the receiver gets within <paramref name="waitMilliseconds"/> of quiet.</summary>
    public List<string> Delivered(int waitMilliseconds = 500)
    {
        var texts = new List<string>();
        var buffer = new byte[2048];
        Receiver.ReceiveTimeout = waitMilliseconds;
        while (true)
        {
            try
            {
                int n = Receiver.Receive(buffer);
                texts.Add(System.Text.Encoding.ASCII.GetString(buffer, 0, n));
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                return texts;
            }
        }
    }

    public void Own(IDisposable resource) => _owned.Add(resource);

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
            _owned[i].Dispose();
        Netns.Dispose();
    }
}
