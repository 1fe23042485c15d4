// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Rules;

/// <summary>
/// Carries rule match counts from one snapshot to the next across an edit, the way iptables keeps a rule's
/// counters when other rules change: a rule that stays keeps its count wherever it moves, a new rule starts
/// at zero, a flushed or deleted rule's count is gone.
/// </summary>
/// <remarks>
/// The counts are read when the new snapshot is compiled; packets a reader judges with the old snapshot
/// after that (at most the rest of one received batch per reader) are not carried.
/// </remarks>
public static class MatchCountCarrier
{
    /// <summary>Per chain, the counts the rules have once <paramref name="command"/> is applied to <paramref name="previous"/>'s rules.</summary>
    public static long[][] After(RuleSnapshot previous, RuleCommand command)
    {
        var counts = new long[3][];
        foreach (Chain chain in Enum.GetValues<Chain>())
        {
            List<long> chainCounts = [.. previous.MatchCounts(chain)];
            switch (command)
            {
                case RuleCommand.Append append when append.Rule.Chain == chain:
                    chainCounts.Add(0);
                    break;
                case RuleCommand.Insert insert when insert.Rule.Chain == chain:
                    chainCounts.Insert(insert.Number - 1, 0);
                    break;
                case RuleCommand.Delete delete when delete.Chain == chain:
                    chainCounts.RemoveAt(delete.Number - 1);
                    break;
                case RuleCommand.Flush flush when flush.Chain is null || flush.Chain == chain:
                    chainCounts.Clear();
                    break;
            }
            counts[(int)chain] = chainCounts.ToArray();
        }
        return counts;
    }
}
