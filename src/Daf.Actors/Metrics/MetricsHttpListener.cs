// SPDX-License-Identifier: Apache-2.0
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Daf.Actors.Metrics;

/// <summary>
/// The opt-in Prometheus endpoint (<c>--metrics</c>): a minimal HTTP/1.x listener of our own that answers
/// <c>GET /metrics</c> with <see cref="PrometheusText"/> and closes the connection. Anything else gets a status and
/// is closed too: a malformed or oversized head 400, another path 404, another method 405; a client that sends no
/// complete head within <see cref="HeadTimeout"/> is dropped; one that closes its side after part of a head gets 400. At most <see cref="MaxConnections"/> are served at
/// once (another waits up to <see cref="SlotWait"/> for a slot, then is closed). No request can make it throw out of its loop: the packet path never notices.
/// </summary>
public sealed class MetricsHttpListener : IAsyncDisposable
{
    public const int MaxConnections = 8;
    public static readonly TimeSpan HeadTimeout = TimeSpan.FromSeconds(5);
    /// <summary>How long a connection beyond <see cref="MaxConnections"/> waits for a free slot before it is closed.</summary>
    public static readonly TimeSpan SlotWait = TimeSpan.FromSeconds(1);

    private readonly Socket _socket;
    private readonly Func<string> _render;
    private readonly Action<string> _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _slots = new(MaxConnections, MaxConnections);
    private Task _accepting = Task.CompletedTask;

    private MetricsHttpListener(Socket socket, Func<string> render, Action<string> log)
    {
        _socket = socket;
        _render = render;
        _log = log;
    }

    /// <summary>The bound endpoint (its port when 0 was asked).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>Binds and listens (a <see cref="SocketException"/> says why it could not) and starts accepting.</summary>
    public static MetricsHttpListener Start(MetricsEndpoint endpoint, Func<string> render, Action<string> log)
    {
        var socket = new Socket(endpoint.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(endpoint.Address, endpoint.Port));
            socket.Listen(16);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var listener = new MetricsHttpListener(socket, render, log);
        listener._accepting = Task.Run(listener.AcceptLoop);
        return listener;
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket.AcceptAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                _log($"metrics: accept failed: {e.SocketErrorCode}");
                continue;
            }
            bool slot;
            try
            {
                slot = await _slots.WaitAsync(SlotWait, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                client.Dispose();
                return;
            }
            if (!slot)
            {
                client.Dispose();
                continue;
            }
            _ = Task.Run(async () =>
            {
                try
                {
                    await Serve(client);
                }
                catch (Exception e)
                {
                    _log($"metrics: connection failed: {e.Message}");
                }
                finally
                {
                    client.Dispose();
                    _slots.Release();
                }
            });
        }
    }

    private async Task Serve(Socket client)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(HeadTimeout);
        var buffer = new byte[HttpRequestHead.MaxHeadBytes];
        int length = 0;
        HttpRequestKind kind = HttpRequestKind.Incomplete;
        try
        {
            while (kind == HttpRequestKind.Incomplete)
            {
                int read = await client.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, timeout.Token);
                if (read == 0)
                {
                    // The client stopped sending: half a head is a bad request, nothing at all needs no answer.
                    if (length == 0) return;
                    kind = HttpRequestKind.Bad;
                    break;
                }
                length += read;
                kind = HttpRequestHead.Parse(buffer.AsSpan(0, length), out _);
                if (kind == HttpRequestKind.Incomplete && length == buffer.Length) kind = HttpRequestKind.Bad;
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (SocketException)
        {
            return;
        }

        byte[] response = kind switch
        {
            HttpRequestKind.Metrics => Response("200 OK", PrometheusText.ContentType, _render(), ""),
            HttpRequestKind.NotFound => Response("404 Not Found", "text/plain; charset=utf-8", "only /metrics is served\n", ""),
            HttpRequestKind.MethodNotAllowed => Response("405 Method Not Allowed", "text/plain; charset=utf-8", "only GET is served\n", "Allow: GET\r\n"),
            _ => Response("400 Bad Request", "text/plain; charset=utf-8", "bad request\n", ""),
        };
        try
        {
            using var sendTimeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            sendTimeout.CancelAfter(HeadTimeout);
            await client.SendAsync(response, SocketFlags.None, sendTimeout.Token);
            client.Shutdown(SocketShutdown.Send);
            // Lingering close: read what the client still sends (bounded), so that closing with unread data does not
            // reset the connection before the client has read the answer.
            for (int drained = 0; drained < 1 << 16;)
            {
                int read = await client.ReceiveAsync(buffer, SocketFlags.None, sendTimeout.Token);
                if (read == 0) break;
                drained += read;
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            // The client went away: nothing to tell it.
        }
    }

    internal static byte[] Response(string status, string contentType, string body, string extraHeaders)
    {
        byte[] content = Encoding.UTF8.GetBytes(body);
        string head = $"HTTP/1.1 {status}\r\nContent-Type: {contentType}\r\nContent-Length: {content.Length}\r\n{extraHeaders}Connection: close\r\n\r\n";
        byte[] response = new byte[Encoding.ASCII.GetByteCount(head) + content.Length];
        int written = Encoding.ASCII.GetBytes(head, response);
        content.CopyTo(response, written);
        return response;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        try
        {
            await _accepting;
        }
        catch (Exception)
        {
            // Stopping: whatever the loop ended with does not matter any more.
        }
        _stop.Dispose();
    }
}
