// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Identity;

namespace Daf.Actors.Rules;

/// <summary>
/// A rule's identity criteria (<c>--sng-hash</c>, <c>--agg-hash</c>, <c>--unverifiable</c>, each possibly negated),
/// judged per holder: a holder satisfies the rule when every criterion holds for its image.
/// </summary>
internal readonly struct CompiledIdentity
{
    private readonly Sha256Digest _single, _aggregate;
    private readonly bool _hasSingle, _singleNegated, _hasAggregate, _aggregateNegated, _hasUnverifiable, _unverifiableWanted;

    public CompiledIdentity(Rule rule)
    {
        if (rule.SingleHash is { } single)
            (_hasSingle, _singleNegated, _single) = (true, single.Negated, single.Value);
        if (rule.AggregateHash is { } aggregate)
            (_hasAggregate, _aggregateNegated, _aggregate) = (true, aggregate.Negated, aggregate.Value);
        if (rule.Unverifiable is { } unverifiable)
            (_hasUnverifiable, _unverifiableWanted) = (true, unverifiable);
        Indexed = (_hasSingle && !_singleNegated) || (_hasAggregate && !_aggregateNegated);
    }

    /// <summary>
    /// The rule names a digest the holder must have (a non-negated <c>--sng-hash</c> or <c>--agg-hash</c>): only
    /// holders whose image the chain's digest index points at this rule can satisfy it.
    /// </summary>
    public bool Indexed { get; }

    /// <summary>
    /// True when the holder's image satisfies every identity criterion. An ACCEPT rule naming a digest (negated or
    /// not) is never satisfied by an unverifiable holder: code nobody could hash may do anything.
    /// </summary>
    public bool SatisfiedBy(ProcessImage image, Verdict verdict)
    {
        if (_hasSingle && image.Maps(_single) == _singleNegated)
            return false;
        if (_hasAggregate && (image.Aggregate == _aggregate) == _aggregateNegated)
            return false;
        if (_hasUnverifiable && image.Unverifiable != _unverifiableWanted)
            return false;
        return verdict != Verdict.Accept || !(_hasSingle || _hasAggregate) || !image.Unverifiable;
    }
}
