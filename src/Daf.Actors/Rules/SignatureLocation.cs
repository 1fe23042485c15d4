// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Rules;

/// <summary>Where a packet signature is carried (<c>-l/--sig-loc</c>); stored now, used by the signature work.</summary>
public enum SignatureLocation : byte
{
    L3 = 3,
    L4 = 4,
}
