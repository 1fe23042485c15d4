// SPDX-License-Identifier: Apache-2.0
using System.Collections.Concurrent;

namespace Daf.Actors.Identity;

/// <summary>
/// One dedicated thread for the image reads a deferred packet waits on (<see cref="RefreshProcessImage"/>). Scanners
/// read on the thread pool, where on a busy machine the reads of every process that exec'd or mapped code (hashing
/// files the cache does not know yet) queue up for hundreds of milliseconds; a packet's wait is bounded
/// (<c>--attrib-wait</c>). Each scanner has at most one urgent read in flight, so the queue holds at most one read
/// per process with a waiting packet.
/// </summary>
internal static class UrgentReads
{
    private static readonly BlockingCollection<Action> s_queue = [];

    static UrgentReads()
    {
        new Thread(Run) { IsBackground = true, Name = "daf-urgent-image-reads" }.Start();
    }

    public static Task<T> Run<T>(Func<T> work)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        s_queue.Add(() =>
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

    private static void Run()
    {
        foreach (Action work in s_queue.GetConsumingEnumerable())
            work();
    }
}
