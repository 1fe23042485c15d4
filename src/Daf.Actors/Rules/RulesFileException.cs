// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Rules;

/// <summary>
/// A rules file could not be loaded. <see cref="LineNumber"/> is the 1-based line at fault, or 0 when
/// the file itself could not be read. The message reads <c>PATH:LINE: reason</c>.
/// </summary>
public sealed class RulesFileException(string path, int lineNumber, string reason, Exception? innerException = null)
    : Exception($"{path}:{lineNumber}: {reason}", innerException)
{
    public string Path { get; } = path;
    public int LineNumber { get; } = lineNumber;
    public string Reason { get; } = reason;
}
