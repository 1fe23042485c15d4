// SPDX-License-Identifier: Apache-2.0
#if DAF_FAULT_INJECTION
using Akka.Actor;
using Akka.Event;

namespace Daf.Actors.Faults;

/// <summary>
/// Test builds only: lets an end-to-end test inject faults into a running daemon. Every 100 ms it looks for
/// <c>STATE_DIR/inject-fault</c>; when present it reads it, deletes it (the test waits for that) and sends each
/// line's fault (<see cref="FaultInjection.TryParse"/>) to the actor the line names.
/// </summary>
public sealed class FaultFileWatcherActor : ReceiveActor, IWithTimers
{
    public const string FileName = "inject-fault";
    private readonly string _path;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public FaultFileWatcherActor(string stateDirectory)
    {
        _path = Path.Combine(stateDirectory, FileName);
        Receive<Poll>(_ => Check());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string stateDirectory) => Akka.Actor.Props.Create(() => new FaultFileWatcherActor(stateDirectory));

    protected override void PreStart() =>
        Timers.StartPeriodicTimer(nameof(Poll), Poll.Instance, TimeSpan.FromMilliseconds(100));

    private void Check()
    {
        string[] lines;
        try
        {
            if (!File.Exists(_path)) return;
            lines = File.ReadAllLines(_path);
            File.Delete(_path);
        }
        catch (IOException)
        {
            return;
        }
        foreach (var line in lines)
        {
            if (!FaultInjection.TryParse(line, out var path, out var message))
            {
                _log.Warning("fault injection: cannot parse '{0}'", line);
                continue;
            }
            _log.Warning("fault injection: {0} <- {1}", path, message);
            Context.ActorSelection(path).Tell(message);
        }
    }

    private sealed class Poll
    {
        public static readonly Poll Instance = new();
    }
}
#endif
