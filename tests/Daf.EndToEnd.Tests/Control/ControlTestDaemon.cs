// SPDX-License-Identifier: Apache-2.0
using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Event;
using Daf.Actors;
using Daf.Actors.Control;
using Daf.Actors.Host;

namespace Daf.EndToEnd.Tests.Control;

/// <summary>
/// A daemon-like actor system in the test process: app-fw's hocon, remoting on 127.0.0.1 at a free port,
/// the control certificate in a temporary state directory, and /user/control in front of a fake handler.
/// </summary>
public sealed class ControlTestDaemon : IAsyncDisposable
{
    public ActorSystem System { get; }
    public string StateDirectory { get; }
    public int Port { get; }
    public ConcurrentQueue<IControlRequest> Received { get; } = new();
    public ConcurrentQueue<string> Warnings { get; } = new();

    private ControlTestDaemon(string stateDirectory, TimeSpan saveDelay)
    {
        StateDirectory = stateDirectory;
        var certificate = ControlCertificate.LoadOrCreate(stateDirectory);
        var config = ControlRemoting.PortConfig(0).WithFallback(DafDaemon.LoadHocon());
        System = ActorSystem.Create(ControlRemoting.SystemName,
            BootstrapSetup.Create().WithConfig(config).And(ControlRemoting.SslSetup(certificate)));
        var warnings = System.ActorOf(Props.Create(() => new WarningCollector(Warnings)));
        System.EventStream.Subscribe(warnings, typeof(Warning));
        var handler = System.ActorOf(Props.Create(() => new FakeRuleStore(Received, saveDelay)), "rules");
        System.ActorOf(ControlEndpointActor.Props(handler, TimeSpan.FromSeconds(5)).WithDispatcher(DafDispatchers.Control),
            ControlRemoting.EndpointName);
        Port = ((ExtendedActorSystem)System).Provider.DefaultAddress.Port
            ?? throw new InvalidOperationException("remoting did not bind a port");
    }

    public static ControlTestDaemon Start(TimeSpan saveDelay = default)
    {
        var directory = Directory.CreateTempSubdirectory("daf-ctl-").FullName;
        try
        {
            return new ControlTestDaemon(directory, saveDelay);
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for a warning containing <paramref name="text"/>.</summary>
    public async Task<bool> LoggedAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Warnings.Any(w => w.Contains(text, StringComparison.Ordinal))) return true;
            await Task.Delay(20);
        }
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await System.Terminate().WaitAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
    }

    /// <summary>
    /// Answers like the rule store would and records what it got; a <see cref="SaveRules"/> is answered only
    /// after the delay (without blocking the mailbox, so other requests are answered meanwhile).
    /// </summary>
    private sealed class FakeRuleStore : ReceiveActor
    {
        public FakeRuleStore(ConcurrentQueue<IControlRequest> received, TimeSpan saveDelay)
        {
            Receive<IControlRequest>(request =>
            {
                received.Enqueue(request);
                IControlReply reply = request switch
                {
                    ListRules l => new RulesText(7, $"-P INPUT ACCEPT\n# chain {l.Chain}\n", [3, 4]),
                    RestoreRules r => new RulesUpdated(8, r.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length),
                    _ => new RequestRefused($"fake store: {request.GetType().Name}"),
                };
                if (request is SaveRules && saveDelay > TimeSpan.Zero)
                    Task.Delay(saveDelay).ContinueWith(_ => reply).PipeTo(Sender);
                else
                    Sender.Tell(reply);
            });
        }
    }

    private sealed class WarningCollector : ReceiveActor
    {
        public WarningCollector(ConcurrentQueue<string> warnings) =>
            Receive<Warning>(w => warnings.Enqueue(w.Message?.ToString() ?? ""));
    }
}
