// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Rules;

/// <summary>The netfilter hook a queue serves. Values index per-chain arrays.</summary>
public enum Chain : byte
{
    Input = 0,
    Output = 1,
    Forward = 2,
}
