// SPDX-License-Identifier: Apache-2.0
using System.Security.Cryptography;
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests.Attribution;

/// <summary>
/// A temporary directory of programs and libraries for one test: copies of installed binaries at odd paths,
/// and freshly compiled senders and libraries whose digests nothing else on the machine shares. Also holds
/// the gate directory the driver and sender programs wait on. Disposing kills the programs that recorded
/// their PID there (only those whose command line still names this directory) and removes it.
/// </summary>
public sealed class ProgramCopies : IDisposable
{
    private static readonly TimeSpan s_compileTimeout = TimeSpan.FromSeconds(30);

    public ProgramCopies()
    {
        Root = Directory.CreateTempSubdirectory("daf-e2e-attr-").FullName;
        Gates = Path.Combine(Root, "gates");
        Directory.CreateDirectory(Gates);
    }

    public string Root { get; }

    /// <summary>The directory whose files open the `gate NAME` / `@NAME` steps.</summary>
    public string Gates { get; }

    /// <summary>SHA-256 of a file's content, lower-case hex, as `sha256sum` prints it.</summary>
    public static string DigestOf(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(file)).ToLowerInvariant();
    }

    /// <summary>The file a program resolves to (`/usr/bin/curl`, `python3` through PATH), symlinks followed.</summary>
    public static string Installed(string program)
    {
        string path = program.Contains('/') ? program : Environment.GetEnvironmentVariable("PATH")!.Split(':')
            .Select(dir => Path.Combine(dir, program)).First(File.Exists);
        return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="relativePath"/> under the root (directories created), executable.</summary>
    public string Copy(string source, string relativePath)
    {
        string target = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Copy(source, target, overwrite: true);
        File.SetUnixFileMode(target, File.GetUnixFileMode(source) | UnixFileMode.UserExecute);
        return target;
    }

    /// <summary>Compiles the sender program (<see cref="SenderSource"/>) with a build tag of its own.</summary>
    public string BuildSender(string relativePath) =>
        Compile(SenderSource.C, relativePath, shared: false);

    /// <summary>Compiles a small shared library with a build tag of its own: its digest is unique.</summary>
    public string BuildLibrary(string relativePath) =>
        Compile("const char *daf_build_tag(void) { return DAF_BUILD_TAG; }\n", relativePath, shared: true);

    /// <summary>Opens a gate: the waiting step proceeds.</summary>
    public void Open(string gate) => File.WriteAllText(Path.Combine(Gates, gate), "");

    public void Dispose()
    {
        KillRecordedPrograms();
        try { Directory.Delete(Root, recursive: true); } catch (Exception) { /* best effort */ }
    }

    private string Compile(string source, string relativePath, bool shared)
    {
        string target = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        string sourceFile = target + ".c";
        File.WriteAllText(sourceFile, source);
        string tag = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        string[] argv = ["gcc", "-O1", "-o", target, $"-DDAF_BUILD_TAG=\"{tag}\"", sourceFile];
        if (shared)
            argv = [.. argv, "-shared", "-fPIC"];
        NetnsProcess.Run(argv, s_compileTimeout).EnsureSuccess();
        File.Delete(sourceFile);
        return target;
    }

    private void KillRecordedPrograms()
    {
        string pids = Path.Combine(Gates, "pids");
        if (!File.Exists(pids))
            return;
        foreach (var line in File.ReadAllLines(pids))
        {
            if (!int.TryParse(line, out int pid))
                continue;
            try
            {
                string cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
                if (cmdline.Contains(Gates, StringComparison.Ordinal))
                    Signals.Send(pid, Signals.SIGKILL);
            }
            catch (Exception)
            {
                // Gone already.
            }
        }
    }
}
