// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;

namespace Daf.Actors.Host;

/// <summary>Runs a program (iptables, ip6tables, iptables-restore) to completion with a bounded wait.</summary>
public static class ExternalCommand
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public bool Succeeded => ExitCode == 0;
    }

    /// <exception cref="InvalidOperationException">The program could not be started or did not finish within <paramref name="timeout"/>.</exception>
    public static Result Run(string program, IReadOnlyList<string> arguments, string? stdin, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot start {program}: {e.Message}", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (stdin is not null)
            {
                process.StandardInput.Write(stdin);
                process.StandardInput.Close();
            }
            if (!process.WaitForExit(timeout))
            {
                try { process.Kill(); } catch (InvalidOperationException) { /* it exited meanwhile */ }
                throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds} s");
            }
            process.WaitForExit();
            return new Result(process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
