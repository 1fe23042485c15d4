// SPDX-License-Identifier: Apache-2.0
using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Event;

namespace Daf.Actors.Host;

/// <summary>
/// app-fw's Akka scheduler (<c>akka.scheduler.implementation</c>): one thread that sleeps until the earliest deadline
/// and not at all while nothing is scheduled. Akka's default, the hashed wheel timer, wakes every tick
/// (<c>akka.scheduler.tick-duration</c>) for as long as the daemon runs and rounds every delay up to whole ticks: with
/// a 100 ms tick an idle daemon woke ten times a second (plus a thread-pool hand-off each time), and the attribution
/// actor's 2 ms re-checks of a deferred packet really ran every 100 ms. Here a timer fires when it is due (to within
/// the kernel's timer slack), and an idle daemon sleeps until its next real timer.
/// Scheduled tells and actions run on the scheduler thread, as with the wheel's worker: they must be short (a tell).
/// A cancelled timer stays queued until its deadline, then is dropped.
/// </summary>
public sealed class DeadlineScheduler : SchedulerBase, IDateTimeOffsetNowTimeProvider, IDisposable
{
    private readonly object _lock = new();
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly PriorityQueue<Entry, long> _queue = new();
    private readonly Thread _thread;
    private readonly List<Entry> _due = [];
    private bool _stopping;

    public DeadlineScheduler(Config scheduler, ILoggingAdapter log) : base(scheduler, log)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "daf-scheduler" };
        _thread.Start();
    }

    protected override DateTimeOffset TimeNow => DateTimeOffset.Now;

    public override TimeSpan MonotonicClock => Stopwatch.GetElapsedTime(_start);

    public override TimeSpan HighResMonotonicClock => Stopwatch.GetElapsedTime(_start);

    /// <summary>Timers queued, cancelled ones included until their deadline.</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _queue.Count;
        }
    }

    protected override void InternalScheduleTellOnce(TimeSpan delay, ICanTell receiver, object message, IActorRef sender, ICancelable cancelable) =>
        Add(new Entry(new TellRunnable(receiver, message, sender), cancelable, 0), delay);

    protected override void InternalScheduleTellRepeatedly(TimeSpan initialDelay, TimeSpan interval, ICanTell receiver, object message,
        IActorRef sender, ICancelable cancelable) =>
        Add(new Entry(new TellRunnable(receiver, message, sender), cancelable, Ticks(interval)), initialDelay);

    protected override void InternalScheduleOnce(TimeSpan delay, Action action, ICancelable cancelable) =>
        Add(new Entry(new ActionRunnable(action), cancelable, 0), delay);

    protected override void InternalScheduleOnce(TimeSpan delay, IRunnable action, ICancelable cancelable) =>
        Add(new Entry(action, cancelable, 0), delay);

    protected override void InternalScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, Action action, ICancelable cancelable) =>
        Add(new Entry(new ActionRunnable(action), cancelable, Ticks(interval)), initialDelay);

    protected override void InternalScheduleRepeatedly(TimeSpan initialDelay, TimeSpan interval, IRunnable action, ICancelable cancelable) =>
        Add(new Entry(action, cancelable, Ticks(interval)), initialDelay);

    private static long Ticks(TimeSpan span) => Math.Max(1, (long)(span.TotalSeconds * Stopwatch.Frequency));

    private void Add(Entry entry, TimeSpan delay)
    {
        var due = Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency);
        lock (_lock)
        {
            if (_stopping) throw new SchedulerException("cannot schedule after the scheduler stopped");
            var wakeEarlier = !_queue.TryPeek(out _, out var earliest) || due < earliest;
            _queue.Enqueue(entry, due);
            if (wakeEarlier) Monitor.Pulse(_lock);
        }
    }

    private void Run()
    {
        while (true)
        {
            lock (_lock)
            {
                while (true)
                {
                    if (_stopping) return;
                    if (!_queue.TryPeek(out _, out var due))
                    {
                        Monitor.Wait(_lock);
                        continue;
                    }
                    var now = Stopwatch.GetTimestamp();
                    if (due > now)
                    {
                        // Rounded up: waking early would only mean sleeping again.
                        var ms = (int)Math.Min(int.MaxValue, ((due - now) * 1000 + Stopwatch.Frequency - 1) / Stopwatch.Frequency);
                        Monitor.Wait(_lock, ms);
                        continue;
                    }
                    while (_queue.TryPeek(out _, out due) && due <= now)
                    {
                        var entry = _queue.Dequeue();
                        _due.Add(entry);
                        if (entry.Interval > 0 && entry.Cancelable is not { IsCancellationRequested: true })
                            _queue.Enqueue(entry, due + entry.Interval);
                    }
                    break;
                }
            }
            foreach (var entry in _due)
            {
                if (entry.Cancelable is { IsCancellationRequested: true }) continue;
                try
                {
                    entry.Action.Run();
                }
                catch (Exception e)
                {
                    Log.Error(e, "scheduled action failed");
                }
            }
            _due.Clear();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _stopping = true;
            Monitor.Pulse(_lock);
        }
        if (Thread.CurrentThread != _thread) _thread.Join(TimeSpan.FromSeconds(1));
    }

    private sealed record Entry(IRunnable Action, ICancelable? Cancelable, long Interval);

    private sealed class TellRunnable(ICanTell receiver, object message, IActorRef sender) : IRunnable
    {
        public void Run() => receiver.Tell(message, sender);

        public void Execute() => Run();
    }
}
