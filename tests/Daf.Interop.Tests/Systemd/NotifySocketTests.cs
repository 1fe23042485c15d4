// SPDX-License-Identifier: Apache-2.0
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Daf.Interop.Posix;
using Daf.Interop.Systemd;

namespace Daf.Interop.Tests.Systemd;

public sealed class NotifySocketTests
{
    private static string UniqueName() => "daf-test-notify-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6));

    private static Socket Listen(EndPoint endPoint)
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(endPoint);
        listener.ReceiveTimeout = 10_000;
        return listener;
    }

    private static string ReceiveText(Socket listener)
    {
        var buffer = new byte[4096];
        int n = listener.Receive(buffer);
        return Encoding.UTF8.GetString(buffer, 0, n);
    }

    [Fact]
    public void A_datagram_reaches_an_abstract_address_named_with_at()
    {
        string name = UniqueName();
        using var listener = Listen(new UnixDomainSocketEndPoint("\0" + name));
        using var notify = NotifySocket.Open("@" + name)!;

        notify.Send("READY=1\nSTATUS=x"u8);

        Assert.Equal("READY=1\nSTATUS=x", ReceiveText(listener));
    }

    [Fact]
    public void A_datagram_reaches_a_path_address()
    {
        string path = Path.Combine(Path.GetTempPath(), UniqueName());
        try
        {
            using var listener = Listen(new UnixDomainSocketEndPoint(path));
            using var notify = NotifySocket.Open(path)!;

            notify.Send("STOPPING=1"u8);

            Assert.Equal("STOPPING=1", ReceiveText(listener));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Each_send_is_one_datagram()
    {
        string name = UniqueName();
        using var listener = Listen(new UnixDomainSocketEndPoint("\0" + name));
        using var notify = NotifySocket.Open("@" + name)!;

        notify.Send("RELOADING=1"u8);
        notify.Send("READY=1"u8);

        Assert.Equal("RELOADING=1", ReceiveText(listener));
        Assert.Equal("READY=1", ReceiveText(listener));
    }

    [Fact]
    public void Sending_to_an_address_nobody_bound_names_sendto_and_the_errno()
    {
        using var notify = NotifySocket.Open("@" + UniqueName())!;

        var e = Assert.Throws<PosixException>(() => notify.Send("READY=1"u8));

        Assert.StartsWith("sendto(@daf-test-notify-", e.Operation);
        Assert.Equal(Errno.ECONNREFUSED, e.Errno);
    }

    [Fact]
    public void No_name_means_no_socket()
    {
        Assert.Null(NotifySocket.Open(null));
        Assert.Null(NotifySocket.Open(""));
    }

    [Theory]
    [InlineData("relative/path")]
    [InlineData("/a-path-longer-than-sun-path-0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890")]
    public void Unusable_names_are_refused(string name)
    {
        Assert.Throws<ArgumentException>(() => NotifySocket.Open(name));
    }

    [Fact]
    public void An_abstract_address_has_a_leading_nul_and_no_terminator()
    {
        byte[] address = NotifySocket.EncodeAddress("@ab");

        Assert.Equal(new byte[] { 1, 0, 0, (byte)'a', (byte)'b' }, address);
    }

    [Fact]
    public void A_path_address_carries_its_terminating_nul()
    {
        byte[] address = NotifySocket.EncodeAddress("/r");

        Assert.Equal(new byte[] { 1, 0, (byte)'/', (byte)'r', 0 }, address);
    }
}
