// SPDX-License-Identifier: Apache-2.0
using System.Buffers.Binary;
using Daf.Interop.Signatures;
using static Daf.Actors.Tests.Signatures.SignatureTestPackets;

namespace Daf.Actors.Tests.Signatures;

public sealed class TcpMssClampTests
{
    [Theory]
    [InlineData(4, 0)]  // MSS option first: value at an even offset
    [InlineData(4, 1)]  // after one NOP: value at an odd offset, straddling checksum words
    [InlineData(6, 0)]
    [InlineData(6, 3)]
    public void Lowers_the_mss_of_a_syn_and_keeps_the_checksum_right(int version, int nops)
    {
        byte[] options = [.. Enumerable.Repeat((byte)1, nops), 2, 4, 0x05, 0xB4, .. Enumerable.Repeat((byte)1, (4 - nops % 4) % 4)];
        foreach (int seed in Enumerable.Range(0, 50))
        {
            byte[] syn = Build(version, Tcp, (version == 4 ? 40 : 60) + options.Length + seed, new Random(seed), options, tcpFlags: 0x02);
            int valueAt = (version == 4 ? 20 : 40) + 20 + nops + 2;

            Assert.True(TcpMssClamp.TryClamp(syn, 1400));

            Assert.Equal(1400, BinaryPrimitives.ReadUInt16BigEndian(syn.AsSpan(valueAt)));
            Assert.True(ChecksumsValid(syn), $"seed {seed}");
        }
    }

    [Fact]
    public void Leaves_non_syns_small_mss_and_packets_without_mss_alone()
    {
        byte[] mss = [2, 4, 0x05, 0xB4];
        byte[] ack = Build(4, Tcp, 64, new Random(1), mss, tcpFlags: 0x10);
        byte[] small = Build(4, Tcp, 64, new Random(1), [2, 4, 0x02, 0x00], tcpFlags: 0x02);
        byte[] none = Build(4, Tcp, 64, new Random(1), [1, 1, 1, 1], tcpFlags: 0x02);
        byte[] udp = Build(4, Udp, 64, new Random(1));
        foreach (byte[] packet in new[] { ack, small, none, udp })
        {
            byte[] before = (byte[])packet.Clone();
            Assert.False(TcpMssClamp.TryClamp(packet, 1000));
            Assert.Equal(before, packet);
        }
    }

    [Fact]
    public void Internet_checksum_matches_the_naive_one_for_every_length()
    {
        var rng = new Random(9);
        for (int length = 0; length < 300; length++)
        {
            var data = new byte[length];
            rng.NextBytes(data);
            Assert.Equal(Checksum(data), InternetChecksum.Finish(InternetChecksum.Add(0, data)));
        }
        byte[] ones = Enumerable.Repeat((byte)0xFF, 65_535).ToArray();
        Assert.Equal(Checksum(ones), InternetChecksum.Finish(InternetChecksum.Add(0, ones)));
    }
}
