// SPDX-License-Identifier: Apache-2.0
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Event;
using Daf.Actors.Control.Serialization;

namespace Daf.Actors.Control;

/// <summary>
/// <c>/user/control</c>: the one actor remote ctl-fw systems may address. Each request is asked of the
/// handler (the rule store) on its own, so a slow answer holds up no other client at this actor, and the
/// handler's reply is piped back to the remote sender; no reply within the timeout becomes
/// <see cref="RequestRefused"/> ("daemon busy"). Supervision: default; it keeps no state.
/// </summary>
public sealed partial class ControlEndpointActor : ReceiveActor
{
    public const string Busy = "daemon busy";

    public ControlEndpointActor(IActorRef handler, TimeSpan timeout)
    {
        var log = Context.GetLogger();
        Receive<IControlRequest>(request =>
        {
            var client = Sender;
            handler.Ask(request, timeout).ContinueWith<IControlReply>(task =>
            {
                if (task.IsCompletedSuccessfully)
                {
                    if (task.Result is IControlReply reply) return Sendable(reply, log);
                    log.Error("control: the handler answered {0} with {1}, not a control reply", request.GetType().Name, task.Result?.GetType().Name);
                    return new RequestRefused("internal error: unexpected reply");
                }
                log.Warning("control: no answer to {0} within {1}", request.GetType().Name, timeout);
                return new RequestRefused(Busy);
            }, TaskContinuationOptions.ExecuteSynchronously).PipeTo(client);
        });
    }

    /// <summary>A reply beyond the wire limits would be dropped by remoting, leaving the client to time out.</summary>
    private static IControlReply Sendable(IControlReply reply, ILoggingAdapter log)
    {
        try
        {
            ControlMessageSerializer.Encode(reply);
            return reply;
        }
        catch (SerializationException e)
        {
            log.Warning("control: cannot send {0}: {1}", reply.GetType().Name, e.Message);
            return new RequestRefused($"the answer is too large to send: {e.Message}");
        }
    }

    /// <summary>The daemon runs it on <see cref="DafDispatchers.Control"/>.</summary>
    public static Props Props(IActorRef handler, TimeSpan timeout) =>
        Akka.Actor.Props.Create(() => new ControlEndpointActor(handler, timeout));
}
