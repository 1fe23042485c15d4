// SPDX-License-Identifier: Apache-2.0
using System.Text;
using Daf.Actors.Control;
using Daf.Actors.Identity;

namespace Daf.Ctl;

/// <summary>
/// <c>-H</c>: digests in sha256sum's format (<c>DIGEST  PATH</c>), then, for more than one object, the line
/// <c>AGGREGATE HASH: DIGEST</c> (<see cref="AggregateDigest"/>: over the distinct digests in byte order).
/// </summary>
internal static class HashPrinter
{
    public const string AggregatePrefix = "AGGREGATE HASH: ";

    /// <summary>
    /// Hashes local files the way the daemon hashes mapped objects (<see cref="FileDigests"/>: regular files
    /// only, size-limited). Returns false (and writes the reasons to <paramref name="errors"/>) when one cannot
    /// be hashed; no aggregate then.
    /// </summary>
    public static bool PrintFiles(IReadOnlyList<string> paths, TextWriter output, TextWriter errors)
    {
        FileDigestReport report = FileDigests.Compute(paths);
        foreach (FileDigest file in report.Files)
        {
            if (file.Digest is { } digest)
                output.Write(Line(digest.ToString(), file.Path));
            else
                errors.WriteLine($"ctl-fw: cannot hash {file.Path}: {file.Error}");
        }
        if (report.AllHashed && report.Files.Count > 1)
            output.WriteLine(AggregatePrefix + report.Aggregate);
        return report.AllHashed;
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
