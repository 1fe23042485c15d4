// SPDX-License-Identifier: Apache-2.0
using System.Text;

namespace Daf.Actors.Rules;

/// <summary>
/// Splits one line into arguments the way a POSIX shell would for plain words: blanks separate words,
/// '...' is literal, "..." honours \" \\ \$ \` escapes, a backslash outside quotes escapes the next
/// character, and '#' at the start of a word begins a comment. No expansion of any kind.
/// </summary>
public static class CommandLineSplitter
{
    public static bool TrySplit(string line, out List<string> arguments, out string? error)
    {
        arguments = [];
        error = null;
        var word = new StringBuilder();
        bool inWord = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                if (inWord)
                    arguments.Add(word.ToString());
                word.Clear();
                inWord = false;
                continue;
            }
            if (c == '#' && !inWord)
                break;
            inWord = true;
            switch (c)
            {
                case '\'':
                    int close = line.IndexOf('\'', i + 1);
                    if (close < 0)
                    {
                        error = "unterminated ' quote";
                        return false;
                    }
                    word.Append(line, i + 1, close - i - 1);
                    i = close;
                    break;
                case '"':
                    if (!TryReadDoubleQuoted(line, ref i, word))
                    {
                        error = "unterminated \" quote";
                        return false;
                    }
                    break;
                case '\\':
                    if (i + 1 == line.Length)
                    {
                        error = "backslash at end of line";
                        return false;
                    }
                    word.Append(line[++i]);
                    break;
                default:
                    word.Append(c);
                    break;
            }
        }
        if (inWord)
            arguments.Add(word.ToString());
        return true;
    }

    /// <summary>Quotes an argument so that <see cref="TrySplit"/> (and a shell) gives it back unchanged.</summary>
    public static string Quote(string argument)
    {
        if (argument.Length > 0 && argument[0] != '#' && argument.All(IsPlain))
            return argument;
        return "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    private static bool IsPlain(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or ':' or ',' or '+' or '=' or '@' or '%' or '#';

    private static bool TryReadDoubleQuoted(string line, ref int i, StringBuilder word)
    {
        for (i++; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '"')
                return true;
            if (c == '\\' && i + 1 < line.Length && line[i + 1] is '"' or '\\' or '$' or '`')
                c = line[++i];
            word.Append(c);
        }
        return false;
    }
}
