// SPDX-License-Identifier: Apache-2.0
using System.Globalization;
using System.Net;
using System.Text;
using Daf.Actors.Rules;
using Daf.Interop.Packets;

namespace Daf.Actors.DecisionLog;

/// <summary>
/// Formats a decision as one <c>key=value</c> line, e.g.
/// <c>decision verdict=DROP chain=OUTPUT queue=0 proto=udp src=10.0.0.1 sport=40000 dst=10.0.0.2 dport=53
/// rule=2 version=7 uid=1000 holders=4242:/usr/bin/curl</c>. <c>rule=policy</c> when no rule matched;
/// <c>holders=?</c> when the socket or its processes are not known (yet).
/// </summary>
public static class DecisionLine
{
    public static string Format(in DecisionRecord record, Chain chain, ushort queue, long ruleVersion, IReadOnlyList<(int Pid, string Executable)>? holders)
    {
        var line = new StringBuilder(160);
        var inv = CultureInfo.InvariantCulture;
        ref readonly var h = ref record.Headers;
        line.Append("decision verdict=").Append(record.Verdict == Verdict.Drop ? "DROP" : "ACCEPT")
            .Append(" chain=").Append(chain.ToString().ToUpperInvariant())
            .Append(inv, $" queue={queue} proto={Protocol(h.Protocol)} src={Address(h.Source, h.IpVersion)}");
        if (h.HasPorts) line.Append(inv, $" sport={h.SourcePort}");
        line.Append(" dst=").Append(Address(h.Destination, h.IpVersion));
        if (h.HasPorts) line.Append(inv, $" dport={h.DestinationPort}");
        line.Append(" rule=").Append(record.MatchedRule < 0 ? "policy" : (record.MatchedRule + 1).ToString(inv))
            .Append(inv, $" version={ruleVersion}");
        if (record.HasUid) line.Append(inv, $" uid={record.Uid}");
        line.Append(" holders=");
        if (holders is null || holders.Count == 0) line.Append('?');
        else
            for (int i = 0; i < holders.Count; i++)
                line.Append(i == 0 ? "" : ",").Append(inv, $"{holders[i].Pid}:").Append(Quoted(holders[i].Executable));
        return line.ToString();
    }

    private static string Protocol(byte number) => number switch
    {
        6 => "tcp",
        17 => "udp",
        1 => "icmp",
        58 => "icmpv6",
        136 => "udplite",
        132 => "sctp",
        _ => number.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Addresses are the big-endian value of the 16 address bytes; IPv4 as ::ffff:a.b.c.d.</summary>
    private static string Address(UInt128 value, byte ipVersion)
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new IPAddress(ipVersion == 4 ? bytes[12..] : bytes).ToString();
    }

    /// <summary>A path with a space or quote stays one value.</summary>
    private static string Quoted(string path) =>
        path.AsSpan().IndexOfAny(' ', '"', ',') < 0 ? path : "\"" + path.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
