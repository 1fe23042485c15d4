// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Rules;

/// <summary>
/// The published rule snapshot. The rule store writes it; queue readers read it once per received
/// batch, so one packet is always judged wholly by one version, with no round trip to the store.
/// </summary>
public sealed class RuleSnapshotHolder(RuleSnapshot initial)
{
    private RuleSnapshot _current = initial;

    public RuleSnapshot Current => Volatile.Read(ref _current);

    internal void Publish(RuleSnapshot snapshot) => Volatile.Write(ref _current, snapshot);
}
