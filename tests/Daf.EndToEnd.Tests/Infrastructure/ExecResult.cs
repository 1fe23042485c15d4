// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Infrastructure;

/// <summary>How a command ended. <see cref="TimedOut"/> means it was killed at its deadline.</summary>
public sealed record ExecResult(string CommandLine, int ExitCode, string Stdout, string Stderr, bool TimedOut)
{
    public bool Succeeded => !TimedOut && ExitCode == 0;

    public ExecResult EnsureSuccess()
    {
        if (!Succeeded)
            throw new InvalidOperationException(Describe());
        return this;
    }

    public string Describe() =>
        $"`{CommandLine}` {(TimedOut ? "timed out" : $"exited {ExitCode}")}\nstdout: {Stdout.Trim()}\nstderr: {Stderr.Trim()}";
}
