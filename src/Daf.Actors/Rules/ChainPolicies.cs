// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Rules;

/// <summary>The default verdict of each chain, used when no rule matches.</summary>
public sealed record ChainPolicies(Verdict Input, Verdict Output, Verdict Forward)
{
    public static ChainPolicies AllAccept { get; } = new(Verdict.Accept, Verdict.Accept, Verdict.Accept);

    public Verdict this[Chain chain] => chain switch
    {
        Chain.Input => Input,
        Chain.Output => Output,
        Chain.Forward => Forward,
        _ => throw new ArgumentOutOfRangeException(nameof(chain)),
    };

    public ChainPolicies With(Chain chain, Verdict verdict) => chain switch
    {
        Chain.Input => this with { Input = verdict },
        Chain.Output => this with { Output = verdict },
        Chain.Forward => this with { Forward = verdict },
        _ => throw new ArgumentOutOfRangeException(nameof(chain)),
    };
}
