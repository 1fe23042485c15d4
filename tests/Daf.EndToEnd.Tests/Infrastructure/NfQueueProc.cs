// SPDX-License-Identifier: Apache-2.0
namespace Daf.EndToEnd.Tests.Infrastructure;

/// <summary>
/// One line of a namespace's /proc/net/netfilter/nfnetlink_queue: the kernel's own count of packets it
/// dropped because the queue was full (QueueDropped) or the listener's socket could not take the
/// message (UserDropped, i.e. ENOBUFS on the listener's side).
/// </summary>
public sealed record NfQueueProc(int Queue, long Waiting, long QueueDropped, long UserDropped, long LastId)
{
    public static NfQueueProc Read(NetnsBed bed, string ns, int queue)
    {
        var text = bed.Exec(ns, "cat", "/proc/net/netfilter/nfnetlink_queue").EnsureSuccess().Stdout;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // queue_number peer_portid queue_total copy_mode copy_range queue_dropped user_dropped id_sequence 1
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray();
            if (f[0] == queue)
                return new NfQueueProc(queue, f[2], f[5], f[6], f[7]);
        }
        throw new Xunit.Sdk.XunitException($"queue {queue} is not bound in {ns}:\n{text}");
    }
}
