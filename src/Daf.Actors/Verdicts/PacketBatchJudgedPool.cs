// SPDX-License-Identifier: Apache-2.0
using System.Collections.Concurrent;

namespace Daf.Actors.Verdicts;

/// <summary>Recycles <see cref="PacketBatchJudged"/> messages between one reader and its batcher.</summary>
public sealed class PacketBatchJudgedPool(int batchCapacity)
{
    private readonly ConcurrentQueue<PacketBatchJudged> _free = new();

    public PacketBatchJudged Rent()
    {
        if (_free.TryDequeue(out var batch))
        {
            batch.Clear();
            return batch;
        }
        return new PacketBatchJudged(batchCapacity);
    }

    public void Return(PacketBatchJudged batch) => _free.Enqueue(batch);
}
