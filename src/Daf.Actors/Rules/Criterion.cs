// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Rules;

/// <summary>One criterion of a rule: a value to match and whether the user negated it (<c>! -s 10.0.0.0/8</c>).</summary>
public readonly record struct Criterion<T>(T Value, bool Negated = false)
{
    public static implicit operator Criterion<T>(T value) => new(value);
}
