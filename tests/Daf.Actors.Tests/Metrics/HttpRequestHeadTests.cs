// SPDX-License-Identifier: Apache-2.0
using System.Text;
using Daf.Actors.Metrics;

namespace Daf.Actors.Tests.Metrics;

public sealed class HttpRequestHeadTests
{
    private static HttpRequestKind Parse(string head) => HttpRequestHead.Parse(Encoding.Latin1.GetBytes(head), out _);

    [Theory]
    [InlineData("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9108\r\nAccept: */*\r\n\r\n")]
    [InlineData("GET /metrics HTTP/1.0\r\n\r\n")]
    [InlineData("GET /metrics?name[]=x HTTP/1.1\r\nUser-Agent: Prometheus/2.0\r\n\r\n")]
    public void A_scrape_is_recognised(string head) => Assert.Equal(HttpRequestKind.Metrics, Parse(head));

    [Fact]
    public void The_head_ends_at_the_blank_line()
    {
        Assert.Equal(HttpRequestKind.Metrics, HttpRequestHead.Parse("GET /metrics HTTP/1.1\r\n\r\nbody"u8, out int consumed));
        Assert.Equal(25, consumed);
    }

    [Theory]
    [InlineData("GET /")]
    [InlineData("GET /metrics HTTP/1.1\r\nHost: x\r\n")]
    [InlineData("")]
    public void An_unfinished_head_asks_for_more(string head) => Assert.Equal(HttpRequestKind.Incomplete, Parse(head));

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n\r\n")]
    [InlineData("GET /metricsx HTTP/1.1\r\n\r\n")]
    [InlineData("GET /metrics/ HTTP/1.1\r\n\r\n")]
    public void Other_paths_are_not_found(string head) => Assert.Equal(HttpRequestKind.NotFound, Parse(head));

    [Theory]
    [InlineData("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HEAD /metrics HTTP/1.1\r\n\r\n")]
    [InlineData("get /metrics HTTP/1.1\r\n\r\n")]
    public void Other_methods_are_not_allowed(string head) => Assert.Equal(HttpRequestKind.MethodNotAllowed, Parse(head));

    [Theory]
    [InlineData("\r\n\r\n")]
    [InlineData("GET\r\n\r\n")]
    [InlineData("GET /metrics\r\n\r\n")]
    [InlineData("GET /metrics HTTP/2.0\r\n\r\n")]
    [InlineData("GET /metrics HTTP/1.1 extra\r\n\r\n")]
    [InlineData("GET  /metrics HTTP/1.1\r\n\r\n")]
    [InlineData("GET metrics HTTP/1.1\r\n\r\n")]
    [InlineData("GET /met\u007frics HTTP/1.1\r\n\r\n")]
    [InlineData("GET /m\u00e9trics HTTP/1.1\r\n\r\n")]
    [InlineData("G(T /metrics HTTP/1.1\r\n\r\n")]
    [InlineData("GET /metrics HTTP/1.1\r\nNo colon here\r\n\r\n")]
    [InlineData("GET /metrics HTTP/1.1\r\n: empty name\r\n\r\n")]
    [InlineData("GET /metrics HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n")]
    [InlineData("GET /metrics HTTP/1.1\r\nBad Name: a\r\n\r\n")]
    [InlineData("GET /metrics HTTP/1.1\r\nX: a\u0001b\r\n\r\n")]
    [InlineData("GET /metrics HTTP/1.1\r\nX: a\nY: b\r\n\r\n")]
    [InlineData("GET /metrics\0 HTTP/1.1")]
    public void Malformed_heads_are_bad_requests(string head) => Assert.Equal(HttpRequestKind.Bad, Parse(head));

    [Fact]
    public void A_head_longer_than_the_limit_is_a_bad_request()
    {
        var huge = "GET /metrics HTTP/1.1\r\nX: " + new string('a', HttpRequestHead.MaxHeadBytes) + "\r\n\r\n";
        Assert.Equal(HttpRequestKind.Bad, Parse(huge));
        Assert.Equal(HttpRequestKind.Bad, Parse(huge[..HttpRequestHead.MaxHeadBytes]));
    }

    [Fact]
    public void Garbage_input_never_throws()
    {
        var random = new Random(6);
        var buffer = new byte[600];
        for (var i = 0; i < 20_000; i++)
        {
            var length = random.Next(buffer.Length);
            random.NextBytes(buffer.AsSpan(0, length));
            if (i % 3 == 0) "GET /metrics HTTP/1.1\r\n"u8.CopyTo(buffer);
            if (i % 5 == 0 && length > 4) "\r\n\r\n"u8.CopyTo(buffer.AsSpan(length - 4));
            var kind = HttpRequestHead.Parse(buffer.AsSpan(0, length), out int consumed);
            Assert.InRange(consumed, 0, length);
            Assert.True(kind != HttpRequestKind.Metrics || consumed > 0);
        }
    }
}
