// SPDX-License-Identifier: Apache-2.0
using System.Text;
using Daf.Interop.Proc;

namespace Daf.Interop.Tests.Proc;

public sealed class ProcMapsEntryTests
{
    private static (bool Ok, ulong Start, ulong End, ProcMapsPermissions Perms, ulong Offset, uint Major, uint Minor, ulong Inode, string Path) Parse(string line)
    {
        bool ok = ProcMapsEntry.TryParse(Encoding.UTF8.GetBytes(line), out ProcMapsEntry e);
        return (ok, e.Start, e.End, e.Permissions, e.Offset, e.DeviceMajor, e.DeviceMinor, e.Inode, Encoding.UTF8.GetString(e.Path));
    }

    [Fact]
    public void Kernel_line_with_a_file_parses_every_field()
    {
        var e = Parse("7fb3182a8000-7fb3183fe000 r-xp 00026000 fe:00 332096                     /usr/lib/x86_64-linux-gnu/libc.so.6");
        Assert.True(e.Ok);
        Assert.Equal(0x7fb3182a8000UL, e.Start);
        Assert.Equal(0x7fb3183fe000UL, e.End);
        Assert.Equal(ProcMapsPermissions.Read | ProcMapsPermissions.Execute, e.Perms);
        Assert.Equal(0x26000UL, e.Offset);
        Assert.Equal((0xfeu, 0u), (e.Major, e.Minor));
        Assert.Equal(332096UL, e.Inode);
        Assert.Equal("/usr/lib/x86_64-linux-gnu/libc.so.6", e.Path);
    }

    [Fact]
    public void Anonymous_line_with_a_trailing_space_has_an_empty_path()
    {
        var e = Parse("7fb3181fd000-7fb31821f000 rw-p 00000000 00:00 0 ");
        Assert.True(e.Ok);
        Assert.Equal(0UL, e.Inode);
        Assert.Equal("", e.Path);
        Assert.True(Parse("7fb3181fd000-7fb31821f000 rw-p 00000000 00:00 0").Ok);
    }

    [Theory]
    [InlineData("/tmp/dir with spaces/prog name")]
    [InlineData("/tmp/trailing space ")]
    [InlineData("/usr/bin/sleep (deleted)")]
    [InlineData("/memfd:daf test (deleted)")]
    [InlineData("[heap]")]
    [InlineData("[vdso]")]
    [InlineData("[anon:some name]")]
    [InlineData("/tmp/new\\012line")]
    public void Path_is_the_rest_of_the_line_verbatim(string path)
    {
        var e = Parse("55a079c9a000-55a079c9f000 r-xs 00002000 103:1a 247270                     " + path);
        Assert.True(e.Ok);
        Assert.Equal(path, e.Path);
        Assert.Equal((0x103u, 0x1au), (e.Major, e.Minor));
        Assert.True((e.Perms & ProcMapsPermissions.Shared) != 0);
    }

    [Theory]
    [InlineData(300)]
    [InlineData(5000)]
    [InlineData(40_000)]
    public void Paths_longer_than_255_and_4096_bytes_parse_whole(int length)
    {
        string path = "/" + string.Concat(Enumerable.Repeat("d/", length / 2)).TrimEnd('/');
        var e = Parse("1000-2000 r-xp 00000000 08:01 42 " + path);
        Assert.True(e.Ok);
        Assert.Equal(path, e.Path);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("1000-2000")]
    [InlineData("1000-2000 r-xp")]
    [InlineData("1000-2000 r-xp 0 08:01")]
    [InlineData("1000-2000 r-xp 0 08:01 ")]
    [InlineData("1000-2000 r-xp 0 08:01 x /bin/x")]
    [InlineData("1000-2000 r-xp 0 08:01 12x /bin/x")]
    [InlineData("2000-1000 r-xp 0 08:01 1 /bin/x")]        // start after end
    [InlineData("1000-1000 r-xp 0 08:01 1 /bin/x")]        // empty range
    [InlineData("-2000 r-xp 0 08:01 1 /bin/x")]
    [InlineData("1000-2000 r-xq 0 08:01 1 /bin/x")]        // neither p nor s
    [InlineData("1000-2000 rzxp 0 08:01 1 /bin/x")]
    [InlineData("1000-2000 r-xp0 08:01 1 /bin/x")]
    [InlineData("1000-2000  r-xp 0 08:01 1 /bin/x")]
    [InlineData("10000000000000000-20000000000000000 r-xp 0 08:01 1 /bin/x")]   // 17 hex digits
    [InlineData("1000-2000 r-xp 0 108:01:3 1 /bin/x")]
    [InlineData("1000-2000 r-xp 0 123456789:01 1 /bin/x")]                      // major over 8 digits
    [InlineData("1000-2000 r-xp 0 08:01 18446744073709551616 /bin/x")]          // inode overflows 64 bits
    [InlineData("g000-2000 r-xp 0 08:01 1 /bin/x")]
    public void Malformed_lines_are_refused_without_throwing(string line) => Assert.False(Parse(line).Ok);

    [Fact]
    public void Largest_values_parse()
    {
        var e = Parse("fffffffffffff000-ffffffffffffffff --xp ffffffffffffffff ffffffff:ffffffff 18446744073709551615 /x");
        Assert.True(e.Ok);
        Assert.Equal(ulong.MaxValue, e.End);
        Assert.Equal(ulong.MaxValue, e.Inode);
        Assert.Equal(ProcMapsPermissions.Execute, e.Perms);
    }
}
