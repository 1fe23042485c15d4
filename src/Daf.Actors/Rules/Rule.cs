// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Signatures;

namespace Daf.Actors.Rules;

/// <summary>
/// One firewall rule as the user wrote it: a chain, a verdict and criteria that are all ANDed.
/// A null criterion is absent (matches everything).
/// </summary>
/// <remarks>
/// Judged by <see cref="RuleSnapshot"/>: address, protocol and port criteria, then the identity criteria
/// (<see cref="SingleHash"/>, <see cref="AggregateHash"/>, <see cref="Unverifiable"/>) per holder of the packet's
/// socket (DROP: any holder; ACCEPT: all holders, at least one).
/// <see cref="Namespace"/> is the path the user gave; the rule store binds it to the namespace it names
/// (<see cref="NamespaceBindings"/>) and compiles only the rules of the daemon's own namespace.
/// </remarks>
public sealed record Rule(Chain Chain, Verdict Verdict)
{
    /// <summary><c>-s/--src-ip</c>.</summary>
    public Criterion<IpPrefix>? Source { get; init; }
    /// <summary><c>-d/--dst-ip</c>.</summary>
    public Criterion<IpPrefix>? Destination { get; init; }
    /// <summary><c>-p/--proto</c>.</summary>
    public Criterion<IpProtocol>? Protocol { get; init; }
    /// <summary><c>--sport</c>.</summary>
    public Criterion<PortRange>? SourcePort { get; init; }
    /// <summary><c>--dport</c>.</summary>
    public Criterion<PortRange>? DestinationPort { get; init; }
    /// <summary><c>--sng-hash</c>: a holder maps an object with this SHA-256.</summary>
    public Criterion<Sha256Digest>? SingleHash { get; init; }
    /// <summary><c>--agg-hash</c>: a holder's aggregate digest equals this.</summary>
    public Criterion<Sha256Digest>? AggregateHash { get; init; }
    /// <summary><c>--unverifiable</c>: true when given, false when given negated (<c>! --unverifiable</c>), null when absent.</summary>
    public bool? Unverifiable { get; init; }
    /// <summary><c>-n/--namespace</c>: the namespace file path as given (bound to its namespace by <see cref="NamespaceBindings"/>).</summary>
    public Criterion<string>? Namespace { get; init; }
    /// <summary><c>--sig-app</c>: the packet's verified tag attests the application with this aggregate digest (INPUT, FORWARD).</summary>
    public Criterion<Sha256Digest>? SignedApp { get; init; }
    /// <summary><c>-l/--sig-loc</c>: where the signer puts the tag of an OUTPUT packet this rule accepts.</summary>
    public SignatureLocation? SignatureLocation { get; init; }

    /// <summary>True when the rule names who holds the packet's socket.</summary>
    public bool HasIdentityCriteria => SingleHash is not null || AggregateHash is not null || Unverifiable is not null;
}
