// SPDX-License-Identifier: Apache-2.0
using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.TestKit.Xunit2;
using Daf.Actors.Host;

namespace Daf.Actors.Tests.Host;

public sealed class DeadlineSchedulerTests
{
    private static DeadlineScheduler Create() =>
        new(ConfigurationFactory.Default(), NoLogger.Instance);

    private static IAdvancedScheduler Advanced(DeadlineScheduler scheduler) => ((IScheduler)scheduler).Advanced;

    private static void WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            Thread.Sleep(5);
        }
    }

    [Fact]
    public void Timers_fire_in_deadline_order_whatever_the_order_they_were_scheduled_in()
    {
        using var scheduler = Create();
        var fired = new ConcurrentQueue<int>();
        IActionScheduler actions = Advanced(scheduler);
        actions.ScheduleOnce(TimeSpan.FromMilliseconds(300), () => fired.Enqueue(3));
        actions.ScheduleOnce(TimeSpan.FromMilliseconds(20), () => fired.Enqueue(1));
        actions.ScheduleOnce(TimeSpan.FromMilliseconds(150), () => fired.Enqueue(2));
        WaitUntil(() => fired.Count == 3);
        Assert.Equal([1, 2, 3], fired);
    }

    [Fact]
    public void A_cancelled_timer_never_fires_and_is_dropped_at_its_deadline()
    {
        using var scheduler = Create();
        var fired = new ConcurrentQueue<string>();
        var cancelable = new Cancelable((IScheduler)scheduler);
        Advanced(scheduler).ScheduleOnce(TimeSpan.FromMilliseconds(50), () => fired.Enqueue("cancelled"), cancelable);
        cancelable.Cancel();
        Advanced(scheduler).ScheduleOnce(TimeSpan.FromMilliseconds(100), () => fired.Enqueue("kept"));
        WaitUntil(() => fired.Count == 1 && scheduler.Count == 0);
        Assert.Equal(["kept"], fired);
    }

    [Fact]
    public void A_repeated_timer_fires_until_cancelled_then_leaves_nothing_queued()
    {
        using var scheduler = Create();
        int count = 0;
        var cancelable = new Cancelable((IScheduler)scheduler);
        Advanced(scheduler).ScheduleRepeatedly(TimeSpan.Zero, TimeSpan.FromMilliseconds(5), () => Interlocked.Increment(ref count), cancelable);
        WaitUntil(() => Volatile.Read(ref count) >= 3);
        cancelable.Cancel();
        WaitUntil(() => scheduler.Count == 0);
        int after = Volatile.Read(ref count);
        Thread.Sleep(50);
        Assert.Equal(after, Volatile.Read(ref count));
    }

    [Fact]
    public void A_failing_action_does_not_stop_the_timers_after_it()
    {
        using var scheduler = Create();
        var fired = new ConcurrentQueue<int>();
        Advanced(scheduler).ScheduleOnce(TimeSpan.FromMilliseconds(10), () => throw new InvalidOperationException("boom"));
        Advanced(scheduler).ScheduleOnce(TimeSpan.FromMilliseconds(30), () => fired.Enqueue(1));
        WaitUntil(() => fired.Count == 1);
    }

    public sealed class InAnActorSystem()
        : TestKit(ConfigurationFactory.ParseString("akka.actor.provider = local").WithFallback(DafDaemon.LoadHocon()))
    {
        [Fact]
        public void App_fw_configuration_selects_it_and_actor_timers_use_it()
        {
            Assert.IsType<DeadlineScheduler>(Sys.Scheduler);
            Sys.Scheduler.ScheduleTellOnce(TimeSpan.FromMilliseconds(2), TestActor, "due", ActorRefs.NoSender);
            ExpectMsg("due", TimeSpan.FromSeconds(10));
        }
    }
}
