// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Daf.Actors.Faults;
using Daf.Actors.Identity;
using Daf.Actors.Tracking;

namespace Daf.Actors.Tests.Supervision;

/// <summary>
/// A per-process scanner that throws or is killed is restarted and reads the process again from /proc, and its
/// published image stays in force meanwhile: no moment in which a DROP-by-identity rule could not match.
/// </summary>
public sealed class ScannerRestartTests() : TestKit(SupervisedTestKit.Config)
{
    private readonly ProcessImageStore _store = new();
    private readonly ProcessIdentityReader _reader = new(new ObjectDigestCache());

    [Theory]
    [InlineData("throw")]
    [InlineData("kill")]
    public async Task A_failed_scanner_rereads_the_process_and_never_withdraws_its_image(string fault)
    {
        int pid = Environment.ProcessId;
        var scanner = Sys.ActorOf(ProcessScannerActor.Props(pid, _reader, _store, TrackingOptions.Default));
        Watch(scanner);
        AwaitCondition(() => _store.TryGetImage(pid, out _), SupervisedTestKit.Bound);
        await scanner.Ask<ProcessScannerState>(GetProcessScannerState.Instance, SupervisedTestKit.Bound);
        Assert.True(_store.TryGetImage(pid, out var before));

        var withdrawn = 0;
        using var watching = new CancellationTokenSource();
        var watcher = Task.Run(() =>
        {
            while (!watching.IsCancellationRequested)
                if (!_store.TryGetImage(pid, out _)) Interlocked.Increment(ref withdrawn);
        });
        scanner.Tell(fault == "kill" ? Kill.Instance : new InjectFault(FaultKind.Throw));

        // The restarted instance publishes a fresh read of /proc (a new image object).
        AwaitCondition(() => _store.TryGetImage(pid, out var now) && !ReferenceEquals(now, before), SupervisedTestKit.Bound);
        var state = await scanner.Ask<ProcessScannerState>(GetProcessScannerState.Instance, SupervisedTestKit.Bound);
        await watching.CancelAsync();
        await watcher;

        Assert.Equal(0, withdrawn);
        Assert.True(_store.TryGetImage(pid, out var image));
        Assert.NotEmpty(image.Objects);
        Assert.NotNull(state.Image);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // no Terminated: restarted, not stopped
    }
}
