// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Host;
using Daf.Interop.Posix;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Daf.Actors.Tests.Host;

public sealed class JournalTests
{
    private static readonly FileStatus Stream = new(Device: 9, Inode: 123456, Mode: 0xC000, LinkCount: 1, Size: 0, ModifiedTimeNs: 0, ChangedTimeNs: 0);

    [Theory]
    [InlineData("9:123456", true)]
    [InlineData("9:123457", false)]
    [InlineData("8:123456", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("9", false)]
    [InlineData("x:123456", false)]
    public void JOURNAL_STREAM_must_name_the_device_and_inode_of_standard_error(string? value, bool expected)
    {
        Assert.Equal(expected, JournalStream.Matches(value, Stream));
    }

    [Fact]
    public void A_redirected_or_closed_standard_error_is_not_the_journal()
    {
        Assert.False(JournalStream.Matches("9:123456", null));
    }

    [Theory]
    [InlineData(LogLevel.Critical, "<2>")]
    [InlineData(LogLevel.Error, "<3>")]
    [InlineData(LogLevel.Warning, "<4>")]
    [InlineData(LogLevel.Information, "<6>")]
    [InlineData(LogLevel.Debug, "<7>")]
    public void Each_log_line_starts_with_the_syslog_priority_of_its_level(LogLevel level, string prefix)
    {
        var text = Format(level, "queue 0 bound", null);

        Assert.Equal($"{prefix}RulesReload: queue 0 bound\n", text);
    }

    [Fact]
    public void Every_line_of_an_exception_keeps_the_priority()
    {
        Exception thrown;
        try { throw new InvalidOperationException("boom"); }
        catch (InvalidOperationException e) { thrown = e; }

        var lines = Format(LogLevel.Error, "failed", thrown).TrimEnd('\n').Split('\n');

        Assert.True(lines.Length >= 2);
        Assert.All(lines, line => Assert.StartsWith("<3>", line));
        Assert.Contains(lines, line => line.Contains("boom"));
    }

    [Theory]
    [InlineData("app-fw: rules: seeded 1 rules", "<6>app-fw: rules: seeded 1 rules")]
    [InlineData("app-fw: warning: no socket lookup", "<4>app-fw: warning: no socket lookup")]
    [InlineData("app-fw: cannot bind the queues: x", "<3>app-fw: cannot bind the queues: x")]
    [InlineData("<3>RulesReload: refused", "<3>RulesReload: refused")]
    public void Plain_standard_error_lines_get_a_priority_unless_they_have_one(string line, string written)
    {
        var inner = new StringWriter { NewLine = "\n" };
        var writer = new JournalPriorityWriter(inner);

        writer.Write(line[..3]);
        writer.Write(line[3..] + "\n");

        Assert.Equal(written + "\n", inner.ToString());
    }

    private static string Format(LogLevel level, string message, Exception? exception)
    {
        var writer = new StringWriter();
        var entry = new LogEntry<string>(level, "Daf.Actors.Host.RulesReload", default, message, exception, (s, _) => s);
        new JournalConsoleFormatter().Write(entry, null, writer);
        return writer.ToString();
    }
}
