// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics.CodeAnalysis;

namespace Daf.Actors.Rules;

/// <summary>The outcome of parsing a ctl-fw command line: a command, or a one-line reason for the user.</summary>
public readonly record struct RuleParseResult
{
    public RuleCommand? Command { get; }
    public string? Error { get; }

    [MemberNotNullWhen(true, nameof(Command))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Success => Command is not null;

    private RuleParseResult(RuleCommand? command, string? error)
    {
        Command = command;
        Error = error;
    }

    public static RuleParseResult Ok(RuleCommand command) => new(command, null);

    public static RuleParseResult Fail(string error) => new(null, error);

    public override string ToString() => Success ? Command.ToString() : $"error: {Error}";
}
