// SPDX-License-Identifier: Apache-2.0
using System.Text;

namespace Daf.Actors.Host;

/// <summary>
/// Standard error under the journal for app-fw's own lines (those written before the logging host runs, or
/// beside it): each line gets a syslog priority prefix, <c>&lt;4&gt;</c> for "warning:" lines, <c>&lt;3&gt;</c> for
/// "cannot ..." (app-fw's wording for a failure), <c>&lt;6&gt;</c> otherwise; a line that already starts with
/// a priority (<see cref="JournalConsoleFormatter"/>) passes unchanged. Lines are written whole.
/// </summary>
public sealed class JournalPriorityWriter(TextWriter inner) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        if (value == '\n')
        {
            EmitLine();
            return;
        }
        _line.Append(value);
    }

    public override void Write(string? value)
    {
        if (value is null) return;
        foreach (char c in value) Write(c);
    }

    public override void Write(char[] buffer, int index, int count)
    {
        for (int i = 0; i < count; i++) Write(buffer[index + i]);
    }

    public override void Flush()
    {
        inner.Flush();
    }

    /// <summary>The priority prefix a line gets, or "" when it has one already.</summary>
    public static string PrefixFor(string line)
    {
        if (line.Length >= 3 && line[0] == '<' && char.IsAsciiDigit(line[1]) && line[2] == '>') return "";
        if (line.Contains("warning:", StringComparison.Ordinal)) return "<4>";
        if (line.Contains(": cannot ", StringComparison.Ordinal)) return "<3>";
        return "<6>";
    }

    private void EmitLine()
    {
        if (_line.Length > 0 && _line[^1] == '\r') _line.Length--;
        string line = _line.ToString();
        _line.Clear();
        inner.Write(PrefixFor(line) + line + "\n");
        inner.Flush();
    }
}
