// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Rules;

/// <summary>A parsed ctl-fw command. Rule numbers are 1-based, as <c>-L</c> prints them.</summary>
public abstract record RuleCommand
{
    private RuleCommand() { }

    /// <summary><c>-A</c>: add the rule at the end of its chain.</summary>
    public sealed record Append(Rule Rule) : RuleCommand;

    /// <summary><c>-I [NUM]</c>: insert the rule so that it becomes number <paramref name="Number"/> of its chain (default 1).</summary>
    public sealed record Insert(int Number, Rule Rule) : RuleCommand;

    /// <summary><c>-D NUM -c CHAIN</c>: delete rule number <paramref name="Number"/> of the chain.</summary>
    public sealed record Delete(Chain Chain, int Number) : RuleCommand;

    /// <summary><c>-F [-c CHAIN]</c>: delete every rule of the chain, or of every chain when null.</summary>
    public sealed record Flush(Chain? Chain) : RuleCommand;

    /// <summary><c>-P CHAIN VERDICT</c>: set the chain's policy.</summary>
    public sealed record Policy(Chain Chain, Verdict Verdict) : RuleCommand;

    /// <summary><c>-L [-c CHAIN]</c>: list the chain, or every chain when null.</summary>
    public sealed record List(Chain? Chain) : RuleCommand;
}
