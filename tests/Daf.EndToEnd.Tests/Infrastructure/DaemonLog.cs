// SPDX-License-Identifier: Apache-2.0
using System.Text;
using System.Text.RegularExpressions;

namespace Daf.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The part of app-fw's stderr that explains a verdict, short enough for the first lines of a failure message
/// (CI shows only a tail of the run, and scripts/run-tests.sh the start of each message): the decision-log lines
/// (which rule, which holders) and the warnings and errors, each without its logger prefix.
/// </summary>
public static partial class DaemonLog
{
    public static string Summary(string stderr)
    {
        var summary = new StringBuilder();
        foreach (var raw in stderr.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            var akka = AkkaLine().Match(line);
            if (akka.Success)
            {
                string level = akka.Groups["level"].Value;
                string message = akka.Groups["message"].Value;
                if (message.StartsWith("decision ", StringComparison.Ordinal))
                    summary.Append("  ").AppendLine(message);
                else if (level is "WARNING" or "ERROR")
                    summary.Append("  ").Append(level).Append(' ').Append(akka.Groups["actor"].Value).Append(": ").AppendLine(message);
            }
            else if (line.StartsWith("app-fw: warning", StringComparison.Ordinal) || line.StartsWith("app-fw: cannot", StringComparison.Ordinal))
            {
                summary.Append("  ").AppendLine(line);
            }
        }
        return summary.Length == 0 ? "app-fw log: no decision, warning or error\n" : "app-fw log (decisions, warnings):\n" + summary;
    }

    // info: Akka.Actor.ActorSystem[0] [INFO][11/29/2026 12:03:37.700Z][Thread 0017][akka.ssl.tcp://app-fw@127.0.0.1:4780/user/decision-log] decision ...
    [GeneratedRegex(@"\[(?<level>[A-Z]+)\]\[[^\]]*\]\[Thread [^\]]*\]\[[^\]]*/(?<actor>[^/\]]+)\] (?<message>.*)$")]
    private static partial Regex AkkaLine();
}
