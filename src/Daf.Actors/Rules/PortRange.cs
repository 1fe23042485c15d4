// SPDX-License-Identifier: Apache-2.0
using System.Globalization;

namespace Daf.Actors.Rules;

/// <summary>An inclusive range of TCP/UDP/UDP-Lite/SCTP/DCCP ports; a single port is a range of one.</summary>
public readonly record struct PortRange
{
    public ushort First { get; }
    public ushort Last { get; }

    public PortRange(ushort first, ushort last)
    {
        if (first > last)
            throw new ArgumentException($"first port {first} exceeds last port {last}");
        First = first;
        Last = last;
    }

    public static PortRange Single(ushort port) => new(port, port);

    public bool Contains(ushort port) => port >= First && port <= Last;

    public int Count => Last - First + 1;

    /// <summary>Parses <c>PORT</c>, <c>FIRST:LAST</c>, <c>:LAST</c> (from 0) or <c>FIRST:</c> (to 65535).</summary>
    public static bool TryParse(string text, out PortRange range, out string? error)
    {
        range = default;
        error = null;
        int colon = text.IndexOf(':');
        if (colon < 0)
        {
            if (!TryParsePort(text, text, out ushort port, out error))
                return false;
            range = Single(port);
            return true;
        }

        string firstText = text[..colon];
        string lastText = text[(colon + 1)..];
        ushort first = 0, last = ushort.MaxValue;
        if ((firstText.Length > 0 && !TryParsePort(text, firstText, out first, out error))
            || (lastText.Length > 0 && !TryParsePort(text, lastText, out last, out error)))
            return false;
        if (firstText.Length == 0 && lastText.Length == 0)
        {
            error = $"bad port range '{text}': expected PORT or FIRST:LAST";
            return false;
        }
        if (first > last)
        {
            error = $"bad port range '{text}': first port exceeds last port";
            return false;
        }
        range = new PortRange(first, last);
        return true;
    }

    public override string ToString() => First == Last
        ? First.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{First}:{Last}");

    private static bool TryParsePort(string whole, string text, out ushort port, out string? error)
    {
        port = 0;
        error = null;
        if (text.Length is > 0 and <= 5 && text.All(char.IsAsciiDigit)
            && int.Parse(text, CultureInfo.InvariantCulture) is var value and <= ushort.MaxValue)
        {
            port = (ushort)value;
            return true;
        }
        error = $"bad port '{whole}': a port is a number 0..65535";
        return false;
    }
}
