// SPDX-License-Identifier: Apache-2.0
using System.Security.Cryptography;
using System.Text;
using Daf.Actors.Control;
using Daf.Actors.Identity;
using Daf.Actors.Rules;

namespace Daf.Ctl;

/// <summary>
/// <c>-H</c>: digests in sha256sum's format (<c>DIGEST  PATH</c>), then, for more than one object, the line
/// <c>AGGREGATE HASH: DIGEST</c> (<see cref="AggregateDigest"/>: over the distinct digests in byte order).
/// </summary>
internal static class HashPrinter
{
    public const string AggregatePrefix = "AGGREGATE HASH: ";

    /// <summary>Hashes local files. Returns false (and writes the reasons to <paramref name="errors"/>) when one cannot be read; no aggregate then.</summary>
    public static bool PrintFiles(IReadOnlyList<string> paths, TextWriter output, TextWriter errors)
    {
        var digests = new List<Sha256Digest>();
        bool allRead = true;
        foreach (string path in paths)
        {
            try
            {
                Sha256Digest digest = HashFile(path);
                digests.Add(digest);
                output.Write(Line(digest.ToString(), path));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.WriteLine($"ctl-fw: cannot hash {path}: {e.Message}");
                allRead = false;
            }
        }
        if (allRead && digests.Count > 1)
            output.WriteLine(AggregatePrefix + AggregateDigest.Compute(digests));
        return allRead;
    }

    private static Sha256Digest HashFile(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.SequentialScan);
        return Sha256Digest.FromBytes(SHA256.HashData(file));
    }

    /// <summary>The daemon's view of a process: every mapped object, then its aggregate.</summary>
    public static void PrintProcess(ProcessDescription process, TextWriter output)
    {
        foreach (MappedObjectDigest mapped in process.Objects)
        {
            output.Write(mapped.Sha256Hex is { } hex
                ? Line(hex, mapped.Path)
                : Line(new string('-', 64), $"{mapped.Path} (cannot be hashed: {mapped.Error ?? "unknown reason"})"));
        }
        output.WriteLine(AggregatePrefix + process.AggregateSha256Hex);
        if (process.Unverifiable)
            output.WriteLine($"UNVERIFIABLE: process {process.Pid} runs code that cannot be hashed (matches --unverifiable)");
    }

    /// <summary>sha256sum's line: a name with a backslash or newline is escaped and the line starts with a backslash.</summary>
    private static string Line(string digest, string path)
    {
        if (!path.Contains('\\') && !path.Contains('\n'))
            return $"{digest}  {path}\n";
        var escaped = new StringBuilder(path.Length + 8);
        foreach (char c in path)
            escaped.Append(c switch { '\\' => "\\\\", '\n' => "\\n", _ => c.ToString() });
        return $"\\{digest}  {escaped}\n";
    }
}
