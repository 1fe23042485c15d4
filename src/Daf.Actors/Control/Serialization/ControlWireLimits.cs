// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Control.Serialization;

/// <summary>Bounds on what one control message may carry, checked before anything is allocated.</summary>
public static class ControlWireLimits
{
    /// <summary>Longest string (UTF-8 bytes): a restore of many thousands of rules fits.</summary>
    public const int MaxStringBytes = 1 << 20;
    /// <summary>Most entries in one list.</summary>
    public const int MaxListEntries = 100_000;
}
