// SPDX-License-Identifier: Apache-2.0
using System.Text.RegularExpressions;
using Daf.EndToEnd.Tests.Infrastructure;

namespace Daf.EndToEnd.Tests;

/// <summary>With JOURNAL_STREAM naming its standard error, as systemd sets it, every line app-fw writes there carries a syslog priority.</summary>
public sealed partial class JournalLogTests
{
    [Fact]
    public void Every_standard_error_line_starts_with_a_priority_when_JOURNAL_STREAM_names_it()
    {
        using var bed = new NetnsBed();
        string state = Directory.CreateTempSubdirectory("daf-e2e-journal-").FullName;
        try
        {
            string rules = Path.Combine(state, "seed.rules");
            // An identity rule: the tracker subscribes to the eBPF reader, whose object is then loaded (and missing).
            File.WriteAllText(rules, $"-A -c OUTPUT --sng-hash {new string('1', 64)} -v DROP\n");
            // JOURNAL_STREAM=DEVICE:INODE of the pipe app-fw's standard error is (what systemd does for the journal's stream);
            // timeout(1) sends SIGTERM after a while, so app-fw starts, logs, and stops cleanly.
            string script = $"export JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2); exec timeout -s TERM 8 {RepoRoot.AppFw} " +
                $"--state-dir {state} --rules {rules} --queue-in off --queue-fwd off --control-port 4781 --ebpf-obj /nonexistent.o";

            var result = bed.Exec(bed.A, TimeSpan.FromSeconds(30), "sh", "-c", script);

            var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length >= 3, result.Describe());
            Assert.All(lines, line => Assert.Matches(Priority(), line));
            Assert.Contains(lines, line => line.StartsWith("<6>app-fw: rules: seeded 1 rules", StringComparison.Ordinal));
            // The missing eBPF object is a warning.
            Assert.Contains(lines, line => line.StartsWith("<4>", StringComparison.Ordinal) && line.Contains("eBPF", StringComparison.Ordinal));
            Assert.Contains("app-fw: ready", result.Stdout);
        }
        finally
        {
            try { Directory.Delete(state, recursive: true); } catch (IOException) { /* best effort */ }
        }
    }

    [GeneratedRegex("^<[0-7]>")]
    private static partial Regex Priority();
}
