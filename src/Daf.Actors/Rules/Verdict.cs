// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Rules;

public enum Verdict : byte
{
    Accept = 0,
    Drop = 1,
}
