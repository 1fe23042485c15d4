// SPDX-License-Identifier: Apache-2.0
using System.Text;
using Daf.Interop.Packets;
using Daf.Interop.ProcNet;

namespace Daf.Interop.Tests.ProcNet;

/// <summary>Lines captured from a test namespace's /proc/net tables (ping sockets and raw sockets), and garbage.</summary>
public sealed class ProcNetSocketLineTests
{
    internal const string IcmpTable =
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops             \n" +
        "   24: 00000000:7278 00000000:0000 07 00000000:00000340 00:00000000 00000000     0        0 677076 2 00000000c5fc7afa 0        \n" +
        "   50: 0100007F:1092 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 677075 2 000000002d667973 0        \n";

    internal const string Icmp6Line =
        "   41: 00000000000000000000000001000000:0309 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 677077 2 000000002ce72aba 0";

    internal const string Raw6Line =
        "  146: 00000000000000000000000000000000:003A 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 677079 2 0000000068217892 0";

    private static bool Parse(string line, bool ipv6, out ProcNetSocketEntry entry) =>
        ProcNetSocketLine.TryParse(Encoding.ASCII.GetBytes(line), ipv6, out entry);

    [Fact]
    public void Ping_socket_line_yields_address_echo_id_uid_and_inode()
    {
        string[] lines = IcmpTable.Split('\n');

        Assert.False(Parse(lines[0], false, out _));
        Assert.True(Parse(lines[1], false, out ProcNetSocketEntry wildcard));
        Assert.True(Parse(lines[2], false, out ProcNetSocketEntry bound));

        Assert.Equal(PacketHeaderParser.MapIpv4(0), wildcard.LocalAddress);
        Assert.Equal(0x7278, wildcard.LocalPort);
        Assert.Equal(677076ul, wildcard.Inode);
        Assert.Equal(PacketHeaderParser.MapIpv4(0x7F000001), bound.LocalAddress);
        Assert.Equal(4242, bound.LocalPort);
        Assert.Equal(1000u, bound.Uid);
        Assert.Equal(7, bound.State);
        Assert.Equal(677075ul, bound.Inode);
    }

    [Fact]
    public void Ipv6_lines_yield_the_address_in_network_order()
    {
        Assert.True(Parse(Icmp6Line, true, out ProcNetSocketEntry ping));
        Assert.True(Parse(Raw6Line, true, out ProcNetSocketEntry raw));

        Assert.Equal(UInt128.One, ping.LocalAddress); // ::1
        Assert.Equal(777, ping.LocalPort);
        Assert.Equal(UInt128.Zero, raw.LocalAddress);
        Assert.Equal(58, raw.LocalPort); // IPPROTO_ICMPV6
        Assert.Equal(677079ul, raw.Inode);
    }

    [Fact]
    public void A_line_of_the_other_family_is_refused()
    {
        Assert.False(Parse(IcmpTable.Split('\n')[1], true, out _));
        Assert.False(Parse(Icmp6Line, false, out _));
    }

    [Theory]
    [InlineData("   24: 00000000:7278 00000000:0000 07 00000000:00000340 00:00000000 00000000     0        0")]
    [InlineData("   24: 0000000G:7278 00000000:0000 07 00000000:00000340 00:00000000 00000000     0        0 5 2 0 0")]
    [InlineData("   24: 00000000:7278 00000000:0000 07 00000000:00000340 00:00000000 00000000 99999999999 0 5 2 0 0")]
    [InlineData("   24: 00000000:7278 00000000:0000 07 00000000:00000340 00:00000000 00000000 0 0 99999999999999999999999 2")]
    [InlineData("   24: 00000000:72781 00000000:0000 07 00000000:00000340 00:00000000 00000000 0 0 5 2 0 0")]
    [InlineData("24 00000000:7278 00000000:0000 07 00000000:00000340 00:00000000 00000000 0 0 5 2 0 0")]
    [InlineData("")]
    public void Malformed_lines_are_refused(string line) => Assert.False(Parse(line, false, out _));

    [Fact]
    public void Garbage_input_never_throws()
    {
        var random = new Random(20261129);
        byte[][] seeds = [.. IcmpTable.Split('\n').Select(Encoding.ASCII.GetBytes), Encoding.ASCII.GetBytes(Icmp6Line)];
        int parsed = 0;
        for (int round = 0; round < 50_000; round++)
        {
            byte[] seed = seeds[random.Next(seeds.Length)];
            byte[] line = round % 4 == 0 ? new byte[random.Next(0, 300)] : seed.AsSpan(0, random.Next(seed.Length / 2, seed.Length + 1)).ToArray();
            if (round % 4 == 0)
                random.NextBytes(line);
            for (int m = random.Next(0, 3); m > 0 && line.Length > 0; m--)
                line[random.Next(line.Length)] = (byte)"0123456789ABCDEFG: \n\0"[random.Next(21)];

            if (ProcNetSocketLine.TryParse(line, random.Next(2) == 0, out _))
                parsed++;
        }
        Assert.True(parsed > 1000, $"only {parsed} lines parsed: the generator no longer reaches the parser");
    }

    [Fact]
    public void Table_text_split_across_chunks_parses_every_socket_line()
    {
        byte[] text = Encoding.ASCII.GetBytes(IcmpTable);
        var snapshot = new ProcNetSocketReader.Snapshot(8);

        int consumed = ProcNetSocketReader.ParseLines(text.AsSpan(0, 200), false, snapshot);
        int rest = ProcNetSocketReader.ParseLines(text.AsSpan(consumed), false, snapshot);

        Assert.Equal(text.Length, consumed + rest);
        Assert.Equal(2, snapshot.Count);
        Assert.Equal(4242, snapshot.Entries[1].LocalPort);
    }

    [Fact]
    public void A_table_larger_than_the_snapshot_is_marked_truncated()
    {
        var snapshot = new ProcNetSocketReader.Snapshot(1);

        ProcNetSocketReader.ParseLines(Encoding.ASCII.GetBytes(IcmpTable), false, snapshot);

        Assert.Equal(1, snapshot.Count);
        Assert.True(snapshot.Truncated);
    }
}
