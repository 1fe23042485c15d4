// SPDX-License-Identifier: Apache-2.0
using Akka.Actor;
using Daf.Actors.Faults;
using Daf.Actors.Supervision;

namespace Daf.Actors.Tests.Supervision;

public sealed class DafSupervisionTests
{
    [Fact]
    public void Failures_and_kills_restart_and_failures_while_starting_stop()
    {
        Assert.Equal(Directive.Restart, DafSupervision.Decide(new InvalidOperationException("x")));
        Assert.Equal(Directive.Restart, DafSupervision.Decide(new ActorKilledException("killed")));
        Assert.Equal(Directive.Stop, DafSupervision.Decide(new ActorInitializationException("cannot start")));
    }

    [Theory]
    [InlineData("queue-0 throw", "/user/queue-0", FaultKind.Throw)]
    [InlineData("queue-0/batcher throw-mid-batch", "/user/queue-0/batcher", FaultKind.ThrowMidBatch)]
    [InlineData("  rules   block 250 ", "/user/rules", FaultKind.Block)]
    public void Fault_lines_name_an_actor_and_a_fault(string line, string path, FaultKind kind)
    {
        Assert.True(FaultInjection.TryParse(line, out var parsedPath, out var message));
        Assert.Equal(path, parsedPath);
        Assert.Equal(kind, Assert.IsType<InjectFault>(message).Kind);
    }

    [Fact]
    public void A_kill_line_sends_akkas_kill()
    {
        Assert.True(FaultInjection.TryParse("control kill", out _, out var message));
        Assert.Same(Kill.Instance, message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("queue-0")]
    [InlineData("queue-0 explode")]
    [InlineData("queue-0 block")]
    [InlineData("queue-0 block -5")]
    [InlineData("queue-0 block 999999999")]
    [InlineData("../system throw")]
    [InlineData("queue-0 throw now")]
    public void Bad_fault_lines_are_refused(string line)
    {
        Assert.False(FaultInjection.TryParse(line, out _, out _));
    }
}
