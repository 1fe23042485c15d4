// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Tracking;

/// <summary>
/// Completes once a holder tracker follows processes: it walked /proc and its eBPF subscription was answered (events
/// flow from then on, or tracking is off and fallback scans stand in). One per tracker the identity actor starts; it
/// answers <see cref="PrepareTracking"/> with it. app-fw waits for it (bounded) before it says it is ready when its rules
/// at start have identity criteria, and the rule store before it applies the first identity rules added later: a
/// process that sends one datagram and exits before the probe is attached leaves nothing to judge it by (no release
/// event, no exit image).
/// </summary>
public sealed class TrackingReadiness
{
    private readonly TaskCompletionSource<bool> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True: eBPF events flow; false: tracking runs on /proc scans only.</summary>
    public Task<bool> Ready => _ready.Task;

    /// <summary>Called by the tracker; only the first call counts (a restarted tracker subscribes again).</summary>
    public void MarkReady(bool events) => _ready.TrySetResult(events);
}
