// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Infrastructure;

/// <summary>curl and wget fetching a URL from inside a namespace, with a short overall deadline.</summary>
public static class HttpClients
{
    public static ExecResult Curl(NetnsBed bed, string ns, string url, int maxSeconds = 5) =>
        bed.Exec(ns, TimeSpan.FromSeconds(maxSeconds + 10), "curl", "-sS", "-g", "--max-time", maxSeconds.ToString(), url);

    public static ExecResult Wget(NetnsBed bed, string ns, string url, int maxSeconds = 5) =>
        bed.Exec(ns, TimeSpan.FromSeconds(maxSeconds + 10), "wget", "-q", "-O", "-", "--tries=1", $"--timeout={maxSeconds}", url);
}
