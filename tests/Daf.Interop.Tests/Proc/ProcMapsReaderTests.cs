// SPDX-License-Identifier: Apache-2.0
using System.Text;
using Daf.Interop.Proc;

namespace Daf.Interop.Tests.Proc;

public sealed class ProcMapsReaderTests
{
    private const string Libc = "7fb3182a8000-7fb3183fe000 r-xp 00026000 fe:00 332096                     /usr/lib/x86_64-linux-gnu/libc.so.6\n";
    private const string Anonymous = "7fb3181fd000-7fb31821f000 rw-p 00000000 00:00 0 \n";

    /// <summary>A source that hands out at most <paramref name="chunk"/> bytes per read, like a slow pipe.</summary>
    private static Func<Span<byte>, int> Source(byte[] data, int chunk = int.MaxValue)
    {
        int position = 0;
        return destination =>
        {
            int count = Math.Min(Math.Min(chunk, destination.Length), data.Length - position);
            data.AsSpan(position, count).CopyTo(destination);
            position += count;
            return count;
        };
    }

    private static (List<string> Paths, int Malformed, bool Truncated) ReadAll(byte[] data, int chunk = int.MaxValue,
        int maxLines = ProcMapsReader.DefaultMaxLines, int maxLineLength = ProcMapsReader.DefaultMaxLineLength)
    {
        using var reader = new ProcMapsReader(Source(data, chunk), null, maxLines, maxLineLength);
        var paths = new List<string>();
        while (reader.TryReadNext(out ProcMapsEntry entry))
            paths.Add(Encoding.UTF8.GetString(entry.Path));
        Assert.Equal(paths.Count, reader.Mappings);
        return (paths, reader.MalformedLines, reader.Truncated);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void Lines_split_across_reads_are_reassembled(int chunk)
    {
        var (paths, malformed, truncated) = ReadAll(Encoding.UTF8.GetBytes(Libc + Anonymous + Libc), chunk);
        Assert.Equal(["/usr/lib/x86_64-linux-gnu/libc.so.6", "", "/usr/lib/x86_64-linux-gnu/libc.so.6"], paths);
        Assert.Equal(0, malformed);
        Assert.False(truncated);
    }

    [Fact]
    public void Garbage_lines_are_skipped_and_counted()
    {
        var (paths, malformed, _) = ReadAll(Encoding.UTF8.GetBytes("garbage\n\n" + Libc + "1-2 r\n\0\0\0\n" + Anonymous));
        Assert.Equal(2, paths.Count);
        Assert.Equal(4, malformed);
    }

    [Fact]
    public void Cut_off_last_line_is_counted_not_parsed()
    {
        string cut = Libc[..^10];
        var (paths, malformed, _) = ReadAll(Encoding.UTF8.GetBytes(Libc + cut));
        Assert.Single(paths);
        Assert.Equal(1, malformed);
    }

    [Fact]
    public void Path_longer_than_4096_bytes_is_read_whole()
    {
        string path = "/" + string.Concat(Enumerable.Repeat("long directory name/", 400)) + "prog";
        var (paths, malformed, _) = ReadAll(Encoding.UTF8.GetBytes(Libc + $"1000-2000 r-xp 00000000 08:01 42 {path}\n" + Anonymous), chunk: 1000);
        Assert.Equal(3, paths.Count);
        Assert.Equal(path, paths[1]);
        Assert.Equal(0, malformed);
    }

    [Fact]
    public void Line_longer_than_the_buffer_is_skipped_once_and_the_next_line_still_read()
    {
        string huge = "1000-2000 r-xp 00000000 08:01 42 /" + new string('x', 300_000) + "\n";
        var (paths, malformed, _) = ReadAll(Encoding.UTF8.GetBytes(Libc + huge + Anonymous), chunk: 4096, maxLineLength: 1024);
        Assert.Equal(["/usr/lib/x86_64-linux-gnu/libc.so.6", ""], paths);
        Assert.Equal(1, malformed);
    }

    [Fact]
    public void Endless_input_without_newlines_ends_at_the_line_cap()
    {
        int reads = 0;
        using var reader = new ProcMapsReader(destination => { reads++; destination.Fill((byte)'a'); return destination.Length; },
            maxLines: 100, maxLineLength: 1024);
        Assert.False(reader.TryReadNext(out _));
        Assert.True(reader.Truncated);
        Assert.InRange(reads, 1, 200);
    }

    [Fact]
    public void Huge_line_counts_stop_at_the_cap_and_report_truncation()
    {
        byte[] data = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(Anonymous, 200_000)));
        var (paths, malformed, truncated) = ReadAll(data, maxLines: ProcMapsReader.DefaultMaxLines);
        Assert.Equal(ProcMapsReader.DefaultMaxLines, paths.Count);
        Assert.Equal(0, malformed);
        Assert.True(truncated);
    }

    [Fact]
    public void Exactly_the_cap_is_not_truncation()
    {
        byte[] data = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(Anonymous, 50)));
        var (paths, _, truncated) = ReadAll(data, maxLines: 50);
        Assert.Equal(50, paths.Count);
        Assert.False(truncated);
    }

    [Fact]
    public void Random_bytes_never_throw_and_counts_stay_consistent()
    {
        var random = new Random(20261129);
        byte[][] seeds = [Encoding.UTF8.GetBytes(Libc), Encoding.UTF8.GetBytes(Anonymous)];
        for (int round = 0; round < 2_000; round++)
        {
            var data = new List<byte>();
            int pieces = random.Next(0, 20);
            for (int p = 0; p < pieces; p++)
            {
                if (random.Next(2) == 0)
                {
                    byte[] seed = (byte[])seeds[random.Next(seeds.Length)].Clone();
                    for (int m = random.Next(0, 4); m > 0; m--)
                        seed[random.Next(seed.Length)] = (byte)random.Next(256);
                    data.AddRange(seed);
                }
                else
                {
                    byte[] noise = new byte[random.Next(0, 300)];
                    random.NextBytes(noise);
                    data.AddRange(noise);
                }
            }
            byte[] bytes = data.ToArray();
            int maxLines = random.Next(1, 40);
            using var reader = new ProcMapsReader(Source(bytes, random.Next(1, 512)), null, maxLines, 128);
            int lines = 0;
            while (reader.TryReadNext(out ProcMapsEntry entry))
            {
                lines++;
                Assert.True(entry.Start < entry.End);
                Assert.True(entry.Path.Length <= 128);
                Assert.True(entry.Path.IndexOf((byte)'\n') < 0);
            }
            Assert.Equal(lines, reader.Mappings);
            Assert.InRange(reader.Mappings + reader.MalformedLines, 0, maxLines);
            Assert.InRange(reader.MalformedLines, 0, bytes.Count(b => b == (byte)'\n') + 1);
        }
    }
}
