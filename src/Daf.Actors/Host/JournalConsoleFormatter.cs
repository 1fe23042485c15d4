// SPDX-License-Identifier: Apache-2.0
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Daf.Actors.Host;

/// <summary>
/// Log lines for the journal: <c>&lt;N&gt;category: message</c>, N the syslog priority of the level, no
/// timestamp (journald records its own). An exception's lines follow, each with the same prefix, so a stack
/// trace stays one priority. Chosen when <see cref="JournalStream.IsStandardError"/>; otherwise the simple
/// console format is kept.
/// </summary>
public sealed class JournalConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "journal";

    /// <summary>sd-daemon(3) / syslog(3) priorities.</summary>
    public static int Priority(LogLevel level) => level switch
    {
        LogLevel.Critical => 2, // LOG_CRIT
        LogLevel.Error => 3,    // LOG_ERR
        LogLevel.Warning => 4,  // LOG_WARNING
        LogLevel.Information => 6, // LOG_INFO
        _ => 7,                 // LOG_DEBUG
    };

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        string? message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null) return;
        string prefix = $"<{Priority(logEntry.LogLevel)}>";
        WriteLines(textWriter, prefix, $"{ShortCategory(logEntry.Category)}: {message}");
        if (logEntry.Exception is { } exception) WriteLines(textWriter, prefix, exception.ToString());
    }

    private static void WriteLines(TextWriter writer, string prefix, string text)
    {
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            writer.Write(prefix);
            writer.Write(line);
            writer.Write('\n');
        }
    }

    /// <summary>The type name of a category (<c>Daf.Actors.Host.RulesReload</c> → <c>RulesReload</c>).</summary>
    private static ReadOnlySpan<char> ShortCategory(string category)
    {
        int dot = category.LastIndexOf('.');
        return dot < 0 ? category : category.AsSpan(dot + 1);
    }
}
