// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.NfQueue;

namespace Daf.Interop.Tests;

/// <summary>Random and mutated input: the parser never throws and never points outside what it was given.</summary>
public sealed class ParserFuzzTests
{
    private static void ParseAndCheck(byte[] datagram, NfQueuePacketBatch batch)
    {
        int errors = 0, lastErrno = 0;
        batch.Clear();
        NfQueuePacketParser.ParseDatagram(datagram, 0, batch, ref errors, ref lastErrno);
        for (int i = 0; i < batch.Count; i++)
        {
            NfQueuePacket packet = batch[i];
            Assert.InRange(packet.PayloadOffset, 0, datagram.Length);
            Assert.InRange(packet.PayloadLength, 0, datagram.Length - packet.PayloadOffset);
            Assert.InRange(packet.MessageOffset, 0, datagram.Length);
            Assert.InRange(packet.MessageLength, 0, datagram.Length - packet.MessageOffset);
        }
        Assert.InRange(errors, 0, datagram.Length / 16);
    }

    [Fact]
    public void Garbage_input_never_throws_or_points_outside_the_datagram()
    {
        var random = new Random(20261129);
        var batch = new NfQueuePacketBatch(4, 256);
        for (int round = 0; round < 20_000; round++)
        {
            byte[] datagram = new byte[random.Next(0, 400)];
            random.NextBytes(datagram);
            if (datagram.Length >= 8 && random.Next(2) == 0)
            {
                // Plausible headers reach deeper into the parser than pure noise does.
                BitConverter.TryWriteBytes(datagram.AsSpan(0, 4), random.Next(0, datagram.Length + 32));
                BitConverter.TryWriteBytes(datagram.AsSpan(4, 2), random.Next(2) == 0 ? NfQueuePacketParser.PacketMessageType : (ushort)2);
            }
            ParseAndCheck(datagram, batch);
        }
    }

    [Fact]
    public void Mutated_and_truncated_captured_messages_never_throw()
    {
        var random = new Random(42);
        var batch = new NfQueuePacketBatch(4, 256);
        byte[][] seeds = CapturedMessages.All.ToArray();
        for (int round = 0; round < 30_000; round++)
        {
            byte[] seed = seeds[random.Next(seeds.Length)];
            byte[] datagram = seed.AsSpan(0, random.Next(0, seed.Length + 1)).ToArray();
            int mutations = random.Next(0, 6);
            for (int m = 0; m < mutations && datagram.Length > 0; m++)
            {
                int at = random.Next(datagram.Length);
                datagram[at] = random.Next(3) switch
                {
                    0 => (byte)random.Next(256),
                    1 => (byte)(datagram[at] ^ (1 << random.Next(8))),
                    _ => (byte)(random.Next(2) == 0 ? 0 : 0xFF),
                };
            }
            ParseAndCheck(datagram, batch);
        }
    }

    [Fact]
    public void Every_prefix_of_a_captured_packet_parses_without_throwing()
    {
        var batch = new NfQueuePacketBatch(4, 256);
        foreach (byte[] seed in CapturedMessages.All)
        {
            for (int length = 0; length <= seed.Length; length++)
                ParseAndCheck(seed.AsSpan(0, length).ToArray(), batch);
        }
    }
}
