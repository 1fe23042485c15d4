// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Metrics;

/// <summary>What the metrics listener makes of the bytes a client sent so far.</summary>
public enum HttpRequestKind
{
    /// <summary>No blank line yet: read more (within the size and time bounds).</summary>
    Incomplete,
    /// <summary><c>GET /metrics</c> (a query string is ignored).</summary>
    Metrics,
    /// <summary>A well-formed request for another path: 404.</summary>
    NotFound,
    /// <summary>A well-formed request with another method: 405.</summary>
    MethodNotAllowed,
    /// <summary>Anything else: 400.</summary>
    Bad,
}

/// <summary>
/// Parses the head of an HTTP/1.x request (request line and header lines, up to the blank line) without allocating,
/// as strictly as a listener that serves one path needs: <c>METHOD SP TARGET SP HTTP/1.0|1.1</c>, CRLF line ends,
/// header lines <c>NAME ":" VALUE</c> with a token name, no control characters, no obsolete line folding.
/// </summary>
public static class HttpRequestHead
{
    public const int MaxHeadBytes = 8192;

    /// <param name="consumed">The length of the head including its blank line, when complete.</param>
    public static HttpRequestKind Parse(ReadOnlySpan<byte> data, out int consumed)
    {
        consumed = 0;
        int end = data.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            // A client that sends a bare LF or a NUL will never complete a valid head: refuse at once.
            foreach (byte b in data)
                if (b == 0) return HttpRequestKind.Bad;
            return data.Length >= MaxHeadBytes ? HttpRequestKind.Bad : HttpRequestKind.Incomplete;
        }
        if (end + 4 > MaxHeadBytes) return HttpRequestKind.Bad;
        consumed = end + 4;
        ReadOnlySpan<byte> head = data[..end];

        int lineEnd = head.IndexOf("\r\n"u8);
        ReadOnlySpan<byte> requestLine = lineEnd < 0 ? head : head[..lineEnd];
        ReadOnlySpan<byte> headers = lineEnd < 0 ? [] : head[(lineEnd + 2)..];
        if (!ValidHeaders(headers)) return HttpRequestKind.Bad;

        int firstSpace = requestLine.IndexOf((byte)' ');
        if (firstSpace <= 0) return HttpRequestKind.Bad;
        ReadOnlySpan<byte> method = requestLine[..firstSpace];
        ReadOnlySpan<byte> rest = requestLine[(firstSpace + 1)..];
        int secondSpace = rest.IndexOf((byte)' ');
        if (secondSpace <= 0) return HttpRequestKind.Bad;
        ReadOnlySpan<byte> target = rest[..secondSpace];
        ReadOnlySpan<byte> version = rest[(secondSpace + 1)..];
        if (!version.SequenceEqual("HTTP/1.1"u8) && !version.SequenceEqual("HTTP/1.0"u8)) return HttpRequestKind.Bad;
        if (!IsToken(method) || target[0] != (byte)'/' || !IsVisible(target)) return HttpRequestKind.Bad;

        int query = target.IndexOf((byte)'?');
        ReadOnlySpan<byte> path = query < 0 ? target : target[..query];
        if (!path.SequenceEqual("/metrics"u8)) return HttpRequestKind.NotFound;
        return method.SequenceEqual("GET"u8) ? HttpRequestKind.Metrics : HttpRequestKind.MethodNotAllowed;
    }

    private static bool ValidHeaders(ReadOnlySpan<byte> headers)
    {
        while (!headers.IsEmpty)
        {
            int end = headers.IndexOf("\r\n"u8);
            ReadOnlySpan<byte> line = end < 0 ? headers : headers[..end];
            headers = end < 0 ? [] : headers[(end + 2)..];
            int colon = line.IndexOf((byte)':');
            if (colon <= 0 || !IsToken(line[..colon])) return false;
            foreach (byte b in line[(colon + 1)..])
                if ((b < 0x20 && b != (byte)'\t') || b == 0x7F) return false;
        }
        return true;
    }

    /// <summary>RFC 9110 token characters.</summary>
    private static bool IsToken(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty) return false;
        foreach (byte b in value)
        {
            bool ok = b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9'
                || "!#$%&'*+-.^_`|~"u8.Contains(b);
            if (!ok) return false;
        }
        return true;
    }

    private static bool IsVisible(ReadOnlySpan<byte> value)
    {
        foreach (byte b in value)
            if (b <= 0x20 || b >= 0x7F) return false;
        return true;
    }
}
