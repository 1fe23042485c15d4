// SPDX-License-Identifier: Apache-2.0
using Akka.TestKit.Xunit2;
using Daf.Actors.Control;

namespace Daf.Actors.Tests.Control;

public sealed class ControlEndpointActorTests : TestKit
{
    [Fact]
    public void A_request_reaches_the_handler_and_its_reply_the_client()
    {
        var handler = CreateTestProbe();
        var endpoint = Sys.ActorOf(ControlEndpointActor.Props(handler, TimeSpan.FromSeconds(3)));

        endpoint.Tell(new ListRules("OUTPUT"), TestActor);
        handler.ExpectMsg(new ListRules("OUTPUT"));
        handler.Reply(new RulesText(2, "", []));

        var reply = ExpectMsg<RulesText>();
        Assert.Equal(2, reply.Version);
    }

    [Fact]
    public void A_handler_that_stays_silent_is_reported_busy()
    {
        var handler = CreateTestProbe();
        var endpoint = Sys.ActorOf(ControlEndpointActor.Props(handler, TimeSpan.FromMilliseconds(200)));

        endpoint.Tell(new SaveRules(), TestActor);

        handler.ExpectMsg<SaveRules>();
        ExpectMsg(new RequestRefused(ControlEndpointActor.Busy), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public void Requests_of_several_clients_are_outstanding_together_and_each_gets_its_own_reply()
    {
        var handler = CreateTestProbe();
        var endpoint = Sys.ActorOf(ControlEndpointActor.Props(handler, TimeSpan.FromSeconds(3)));
        var first = CreateTestProbe();
        var second = CreateTestProbe();

        endpoint.Tell(new DescribeProcess(1), first);
        endpoint.Tell(new DescribeProcess(2), second);
        handler.ExpectMsg(new DescribeProcess(1));
        var firstSender = handler.LastSender;
        handler.ExpectMsg(new DescribeProcess(2));
        handler.Reply(new RequestRefused("two"));
        firstSender.Tell(new RequestRefused("one"), handler);

        second.ExpectMsg(new RequestRefused("two"));
        first.ExpectMsg(new RequestRefused("one"));
    }

    [Fact]
    public void A_reply_that_is_not_a_control_reply_is_refused_as_internal_error()
    {
        var handler = CreateTestProbe();
        var endpoint = Sys.ActorOf(ControlEndpointActor.Props(handler, TimeSpan.FromSeconds(3)));

        endpoint.Tell(new SaveRules(), TestActor);
        handler.ExpectMsg<SaveRules>();
        handler.Reply("unexpected");

        Assert.StartsWith("internal error", ExpectMsg<RequestRefused>().Reason);
    }

    [Fact]
    public void A_reply_too_large_for_the_wire_is_refused_instead_of_lost()
    {
        var handler = CreateTestProbe();
        var endpoint = Sys.ActorOf(ControlEndpointActor.Props(handler, TimeSpan.FromSeconds(3)));

        endpoint.Tell(new SaveRules(), TestActor);
        handler.ExpectMsg<SaveRules>();
        handler.Reply(new RulesText(1, new string('x', Daf.Actors.Control.Serialization.ControlWireLimits.MaxStringBytes + 1), []));

        Assert.StartsWith("the answer is too large to send", ExpectMsg<RequestRefused>().Reason);
    }
}
