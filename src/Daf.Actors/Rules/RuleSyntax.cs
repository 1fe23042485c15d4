// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Rules;

/// <summary>The names ctl-fw and rules files use for chains and verdicts (accepted in any case, printed upper case).</summary>
public static class RuleSyntax
{
    public static string ChainName(Chain chain) => chain switch
    {
        Chain.Input => "INPUT",
        Chain.Output => "OUTPUT",
        Chain.Forward => "FORWARD",
        _ => throw new ArgumentOutOfRangeException(nameof(chain)),
    };

    public static string VerdictName(Verdict verdict) => verdict switch
    {
        Verdict.Accept => "ACCEPT",
        Verdict.Drop => "DROP",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict)),
    };

    public static bool TryParseChain(string text, out Chain chain) => TryParseName(text, ChainName, out chain);

    public static bool TryParseVerdict(string text, out Verdict verdict) => TryParseName(text, VerdictName, out verdict);

    private static bool TryParseName<T>(string text, Func<T, string> name, out T value)
        where T : struct, Enum
    {
        foreach (T candidate in Enum.GetValues<T>())
        {
            if (string.Equals(name(candidate), text, StringComparison.OrdinalIgnoreCase))
            {
                value = candidate;
                return true;
            }
        }
        value = default;
        return false;
    }
}
