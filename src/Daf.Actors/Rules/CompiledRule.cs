// SPDX-License-Identifier: Apache-2.0
using System.Runtime.CompilerServices;
using Daf.Interop.Packets;

namespace Daf.Actors.Rules;

/// <summary>
/// A <see cref="Rule"/>'s address, protocol and port criteria flattened for judging: masks instead of
/// prefixes, inclusive port bounds, and one flag word saying which criteria exist and which are negated.
/// </summary>
internal readonly struct CompiledRule
{
    [Flags]
    private enum Criteria : ushort
    {
        None = 0,
        Source = 1 << 0,
        SourceNegated = 1 << 1,
        Destination = 1 << 2,
        DestinationNegated = 1 << 3,
        Protocol = 1 << 4,
        ProtocolNegated = 1 << 5,
        SourcePort = 1 << 6,
        SourcePortNegated = 1 << 7,
        DestinationPort = 1 << 8,
        DestinationPortNegated = 1 << 9,
        SignedApp = 1 << 10,
        SignedAppNegated = 1 << 11,
        AnyPort = SourcePort | DestinationPort,
    }

    // Prefixes as 64-bit halves: the JIT compares these in registers, which UInt128 operators do not guarantee.
    private readonly ulong _sourceNetworkHigh, _sourceNetworkLow, _sourceMaskHigh, _sourceMaskLow;
    private readonly ulong _destinationNetworkHigh, _destinationNetworkLow, _destinationMaskHigh, _destinationMaskLow;
    private readonly Sha256Digest _signedApp;
    private readonly ushort _sourcePortFirst, _sourcePortLast, _destinationPortFirst, _destinationPortLast;
    private readonly Criteria _criteria;
    /// <summary>4 or 6 when an address criterion ties the rule to a family, else 0.</summary>
    private readonly byte _family;
    private readonly byte _protocol;

    /// <summary>The rule's 0-based position in its chain.</summary>
    public readonly int Position;
    public readonly Verdict Verdict;
    /// <summary>Index of the rule's <see cref="CompiledIdentity"/> in its chain, or -1 when it has no identity criteria.</summary>
    public readonly int IdentityIndex;

    private CompiledRule(Rule rule, int position, byte family, int identityIndex)
    {
        Position = position;
        Verdict = rule.Verdict;
        IdentityIndex = identityIndex;
        _family = family;
        if (rule.Source is { } source)
        {
            _criteria |= Flag(Criteria.Source, Criteria.SourceNegated, source.Negated);
            (_sourceNetworkHigh, _sourceNetworkLow) = Split(source.Value.Network);
            (_sourceMaskHigh, _sourceMaskLow) = Split(source.Value.Mask);
        }
        if (rule.Destination is { } destination)
        {
            _criteria |= Flag(Criteria.Destination, Criteria.DestinationNegated, destination.Negated);
            (_destinationNetworkHigh, _destinationNetworkLow) = Split(destination.Value.Network);
            (_destinationMaskHigh, _destinationMaskLow) = Split(destination.Value.Mask);
        }
        if (rule.Protocol is { Value.IsAll: false } protocol)
        {
            _criteria |= Flag(Criteria.Protocol, Criteria.ProtocolNegated, protocol.Negated);
            _protocol = protocol.Value.Number;
        }
        if (rule.SignedApp is { } signedApp)
        {
            _criteria |= Flag(Criteria.SignedApp, Criteria.SignedAppNegated, signedApp.Negated);
            _signedApp = signedApp.Value;
        }
        if (rule.SourcePort is { } sourcePort)
        {
            _criteria |= Flag(Criteria.SourcePort, Criteria.SourcePortNegated, sourcePort.Negated);
            (_sourcePortFirst, _sourcePortLast) = (sourcePort.Value.First, sourcePort.Value.Last);
        }
        if (rule.DestinationPort is { } destinationPort)
        {
            _criteria |= Flag(Criteria.DestinationPort, Criteria.DestinationPortNegated, destinationPort.Negated);
            (_destinationPortFirst, _destinationPortLast) = (destinationPort.Value.First, destinationPort.Value.Last);
        }
    }

    /// <summary>
    /// Compiles a rule's address, protocol and port criteria, or returns false when it can never match a packet:
    /// <c>! -p all</c>, or source and destination prefixes of different families.
    /// </summary>
    /// <param name="identityIndex">Where the chain keeps the rule's identity criteria, -1 for none.</param>
    public static bool TryCompile(Rule rule, int position, int identityIndex, out CompiledRule compiled)
    {
        compiled = default;
        if (rule.Protocol is { Negated: true, Value.IsAll: true })
            return false;
        byte sourceFamily = rule.Source is { } s ? (s.Value.IsIPv4 ? (byte)4 : (byte)6) : (byte)0;
        byte destinationFamily = rule.Destination is { } d ? (d.Value.IsIPv4 ? (byte)4 : (byte)6) : (byte)0;
        if (sourceFamily != 0 && destinationFamily != 0 && sourceFamily != destinationFamily)
            return false;
        compiled = new CompiledRule(rule, position, Math.Max(sourceFamily, destinationFamily), identityIndex);
        return true;
    }

    /// <summary>No address, protocol or port criterion: every packet matches them.</summary>
    public bool MatchesEveryPacket => _criteria == Criteria.None && _family == 0;

    /// <summary>
    /// True when every criterion holds. <c>--sig-app H</c> holds when the packet's verified tag attests H;
    /// <c>! --sig-app H</c> when it attests another application or none. A rule with an address criterion, negated or not, matches only
    /// packets of that address's family. A rule with a port criterion, negated or not, never matches a
    /// packet without ports (ICMP, a later fragment, a header cut off by the copy range).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Matches(in PacketHeaders packet, in AttestedApp app)
    {
        Criteria criteria = _criteria;
        if (_family != 0 && _family != packet.IpVersion)
            return false;
        if ((criteria & Criteria.SignedApp) != 0
            && app.Is(_signedApp) == ((criteria & Criteria.SignedAppNegated) != 0))
            return false;
        if ((criteria & Criteria.Protocol) != 0
            && (packet.Protocol == _protocol) == ((criteria & Criteria.ProtocolNegated) != 0))
            return false;
        if ((criteria & Criteria.Destination) != 0
            && InPrefix(packet.Destination, _destinationNetworkHigh, _destinationNetworkLow, _destinationMaskHigh, _destinationMaskLow)
                == ((criteria & Criteria.DestinationNegated) != 0))
            return false;
        if ((criteria & Criteria.Source) != 0
            && InPrefix(packet.Source, _sourceNetworkHigh, _sourceNetworkLow, _sourceMaskHigh, _sourceMaskLow)
                == ((criteria & Criteria.SourceNegated) != 0))
            return false;
        if ((criteria & Criteria.AnyPort) == 0)
            return true;
        if (!packet.HasPorts)
            return false;
        if ((criteria & Criteria.DestinationPort) != 0
            && InRange(packet.DestinationPort, _destinationPortFirst, _destinationPortLast) == ((criteria & Criteria.DestinationPortNegated) != 0))
            return false;
        if ((criteria & Criteria.SourcePort) != 0
            && InRange(packet.SourcePort, _sourcePortFirst, _sourcePortLast) == ((criteria & Criteria.SourcePortNegated) != 0))
            return false;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool InPrefix(UInt128 address, ulong networkHigh, ulong networkLow, ulong maskHigh, ulong maskLow) =>
        (((ulong)(address >> 64) & maskHigh) ^ networkHigh | ((ulong)address & maskLow) ^ networkLow) == 0;

    private static (ulong High, ulong Low) Split(UInt128 value) => ((ulong)(value >> 64), (ulong)value);

    private static bool InRange(ushort port, ushort first, ushort last) => (uint)(port - first) <= (uint)(last - first);

    private static Criteria Flag(Criteria present, Criteria negated, bool isNegated) => isNegated ? present | negated : present;
}
