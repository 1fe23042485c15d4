// SPDX-License-Identifier: Apache-2.0
using System.Collections.Concurrent;

namespace Daf.Actors.Identity;

/// <summary>
/// Dedicated threads for the scanners' image reads, apart from the thread pool. A read parses /proc/PID/maps and
/// hashes every file the digest cache does not know yet: on a busy machine (every process that starts or maps code
/// is read) that is seconds of CPU, and on the thread pool it would delay every actor of the default dispatcher
/// behind it, the attribution actor's 2 ms re-checks included. <see cref="Normal"/> serves the scanners' own
/// reads; <see cref="Urgent"/> the reads a deferred packet waits on (<see cref="RefreshProcessImage"/>), so that they
/// never queue behind the others (a packet's wait is bounded by <c>--attrib-wait</c>). Each scanner has at most one
/// read of each kind in flight.
/// </summary>
internal sealed class ImageReadLane
{
    private readonly BlockingCollection<Action> _queue = [];

    private ImageReadLane(string name, int threads)
    {
        for (int i = 0; i < threads; i++)
            new Thread(Run) { IsBackground = true, Name = $"{name}-{i}" }.Start();
    }

    public static ImageReadLane Normal { get; } = new("daf-image-reads", Math.Max(2, Environment.ProcessorCount));

    public static ImageReadLane Urgent { get; } = new("daf-urgent-image-reads", 1);

    public Task<T> Run<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add(() =>
        {
            try
            {
                completion.SetResult(work());
            }
            catch (Exception e)
            {
                completion.SetException(e);
            }
        });
        return completion.Task;
    }

    private void Run()
    {
        foreach (Action work in _queue.GetConsumingEnumerable())
            work();
    }
}
