// SPDX-License-Identifier: Apache-2.0
using System.Text;
using Daf.Interop.Proc;

namespace Daf.Interop.Tests.Proc;

public sealed class SocketLinkTests
{
    [Theory]
    [InlineData("socket:[12345]", 12345UL)]
    [InlineData("socket:[0]", 0UL)]
    [InlineData("socket:[18446744073709551615]", ulong.MaxValue)]
    public void Socket_links_give_their_inode(string link, ulong expected)
    {
        Assert.True(SocketLink.TryParse(Encoding.ASCII.GetBytes(link), out ulong inode));
        Assert.Equal(expected, inode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("socket:[]")]
    [InlineData("socket:[12")]
    [InlineData("socket:12]")]
    [InlineData("socket:[-1]")]
    [InlineData("socket:[1 2]")]
    [InlineData("socket:[18446744073709551616]")]
    [InlineData("socket:[000000000000000000000001]")]
    [InlineData("pipe:[12345]")]
    [InlineData("anon_inode:[eventfd]")]
    [InlineData("/tmp/socket:[1]")]
    [InlineData("socket:[12345] ")]
    public void Anything_but_a_socket_link_is_refused(string link)
    {
        Assert.False(SocketLink.TryParse(Encoding.ASCII.GetBytes(link), out ulong inode));
        Assert.Equal(0UL, inode);
    }

    [Fact]
    public void Garbage_input_never_throws()
    {
        var random = new Random(42);
        byte[] buffer = new byte[40];
        for (int i = 0; i < 20_000; i++)
        {
            int length = random.Next(buffer.Length + 1);
            random.NextBytes(buffer.AsSpan(0, length));
            if (i % 2 == 0 && length >= 9)
                "socket:["u8.CopyTo(buffer);
            SocketLink.TryParse(buffer.AsSpan(0, length), out _);
            DecimalName.TryParse(buffer.AsSpan(0, length), out _);
        }
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("3", 3)]
    [InlineData("259", 259)]
    [InlineData("2147483647", int.MaxValue)]
    public void Decimal_names_parse_as_ints(string name, int expected)
    {
        Assert.True(DecimalName.TryParse(Encoding.ASCII.GetBytes(name), out int value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("self")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData("01")]
    [InlineData("2147483648")]
    [InlineData("99999999999")]
    [InlineData("12a")]
    public void Names_that_are_not_plain_decimal_are_refused(string name) =>
        Assert.False(DecimalName.TryParse(Encoding.ASCII.GetBytes(name), out _));
}
