// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Infrastructure;

/// <summary>`python3 -m http.server` bound to one address and port of a namespace, serving a small page.</summary>
public sealed class HttpServer : IDisposable
{
    public const string Page = "daf end-to-end page\n";

    private readonly NetnsProcess _process;
    private readonly string _root;

    private HttpServer(NetnsProcess process, string root, string url)
    {
        _process = process;
        _root = root;
        Url = url;
    }

    /// <summary>The page's URL (IPv6 addresses in brackets).</summary>
    public string Url { get; }

    public static HttpServer Start(NetnsBed bed, string ns, string address, int port)
    {
        string root = Directory.CreateTempSubdirectory("daf-e2e-http-").FullName;
        File.WriteAllText(Path.Combine(root, "index.html"), Page);
        var process = bed.Start(ns, "python3", "-u", "-m", "http.server", port.ToString(), "--bind", address, "--directory", root);
        string host = address.Contains(':') ? $"[{address}]" : address;
        var server = new HttpServer(process, root, $"http://{host}:{port}/index.html");
        try
        {
            process.ExpectLine(l => l.StartsWith("Serving HTTP", StringComparison.Ordinal), $"http.server on [{address}]:{port} starting");
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
    }

    public void Dispose()
    {
        _process.Dispose();
        try { Directory.Delete(_root, recursive: true); } catch (Exception) { /* best effort */ }
    }
}
