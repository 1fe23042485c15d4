// SPDX-License-Identifier: Apache-2.0
using System.Globalization;
using System.Reflection;
using Daf.Actors.Host;
using Daf.Actors.Rules;
using Daf.Interop.Time;

// Under systemd with standard error on the journal, every line carries its syslog priority; libbpf's own
// messages (which it would print to fd 2 itself) go through the same writer.
if (JournalStream.IsStandardError())
{
    Console.SetError(TextWriter.Synchronized(new JournalPriorityWriter(Console.Error)));
    Daf.Interop.Bpf.LibBpfLog.Route((level, message) =>
        Console.Error.WriteLine($"{(level == Daf.Interop.Bpf.LibBpfPrintLevel.LIBBPF_WARN ? "<4>" : "<6>")}libbpf: {message}"));
}

var options = AppFwOptions.Parse(args, out var error);
if (options is null)
{
    Console.Error.WriteLine($"app-fw: {error} (see app-fw --help)");
    return 2;
}
if (options.ShowHelp)
{
    Console.Out.WriteLine(AppFwOptions.Usage);
    return 0;
}

RuleSet rules;
try
{
    rules = RulesStateFile.In(options.StateDirectory).LoadAtStart(options.RulesFile, options.Policies, out var source);
    Console.Error.WriteLine($"app-fw: rules: {source}");
}
catch (RulesFileException e)
{
    Console.Error.WriteLine($"app-fw: {e.Message}");
    return 2;
}

try
{
    // 0700 when we create it: it holds the control key.
    if (!OperatingSystem.IsWindows())
        Directory.CreateDirectory(options.StateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"app-fw: cannot create the state directory {options.StateDirectory}: {e.Message}");
    return 1;
}

var clock = TscClock.Create(null, BuildDefaults.BaseFrequencyHz(), out var clockWarning);
if (clockWarning is not null) Console.Error.WriteLine($"app-fw: warning: {clockWarning}");

return await new DafDaemon(options, rules, clock).RunAsync();

internal static class BuildDefaults
{
    /// <summary>The BASE_FREQ given to make at build time, or null. BASE_FREQ in the environment overrides it.</summary>
    public static ulong? BaseFrequencyHz()
    {
        var text = typeof(BuildDefaults).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "DafBaseFrequency")?.Value;
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var hz) && hz > 0 ? hz : null;
    }
}
