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

    public static bool TryParseChain(string text, out Chain chain)
    {
        foreach (Chain candidate in Enum.GetValues<Chain>())
        {
            if (string.Equals(ChainName(candidate), text, StringComparison.OrdinalIgnoreCase))
            {
                chain = candidate;
                return true;
            }
        }
        chain = default;
        return false;
    }

    public static bool TryParseVerdict(string text, out Verdict verdict)
    {
        foreach (Verdict candidate in Enum.GetValues<Verdict>())
        {
            if (string.Equals(VerdictName(candidate), text, StringComparison.OrdinalIgnoreCase))
            {
                verdict = candidate;
                return true;
            }
        }
        verdict = default;
        return false;
    }
}
