// SPDX-License-Identifier: Apache-2.0
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Remote;
using Daf.Actors.Control;
using Daf.Actors.Control.Serialization;
using Daf.Actors.Host;

namespace Daf.Ctl.Transport;

/// <summary>
/// Sends one request to the daemon's control endpoint and returns its reply: a short-lived actor system
/// with remoting on 127.0.0.1 (any free port), presenting control.pfx over mutually authenticated TLS.
/// </summary>
public static class ControlClient
{
    private const string ClientSystemName = "ctl-fw";

    // Quiet, quick to start and to stop: nothing to flush once the reply is in.
    private const string ClientHocon = """
        akka {
          loglevel = OFF
          stdout-loglevel = OFF
          loggers = []
          remote.flush-wait-on-shutdown = 500ms
          remote.shutdown-timeout = 1s
          # ctl-fw's own association: a fresh process (JIT, TLS) on a loaded two-core machine can take more than the
          # daemon's 5 s. The daemon keeps 5 s for connections that never complete the handshake.
          remote.dot-netty.tcp.connection-timeout = 15s
          coordinated-shutdown.default-phase-timeout = 1s
          coordinated-shutdown.run-by-clr-shutdown-hook = off
        }
        """;

    /// <exception cref="System.Runtime.Serialization.SerializationException">The request exceeds the wire limits (a usage error); nothing was sent.</exception>
    public static async Task<IControlReply> SendAsync(ControlClientOptions options, IControlRequest request, CancellationToken ct)
    {
        ControlMessageSerializer.Encode(request);
        using var certificate = LoadCertificate(options.StateDirectory);
        var hocon = DafDaemon.LoadHocon();
        var port = options.Port ?? hocon.GetInt(ControlRemoting.PortPath);
        var config = ControlRemoting.PortConfig(0)
            .WithFallback(ConfigurationFactory.ParseString(ClientHocon))
            .WithFallback(hocon);
        var setup = BootstrapSetup.Create().WithConfig(config).And(ControlRemoting.SslSetup(certificate));

        var system = ActorSystem.Create(ClientSystemName, setup);
        try
        {
            var failed = new TaskCompletionSource<AssociationErrorEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            var listener = system.ActorOf(Props.Create(() => new AssociationFailureListener(failed)));
            system.EventStream.Subscribe(listener, typeof(AssociationErrorEvent));

            var endpoint = system.ActorSelection(ControlRemoting.EndpointPath(port));
            var reply = endpoint.Ask<IControlReply>(request, options.Timeout, ct);
            var first = await Task.WhenAny(reply, failed.Task).ConfigureAwait(false);
            if (first == failed.Task && !reply.IsCompleted)
                throw new ControlUnreachableException($"cannot reach app-fw at 127.0.0.1:{port}: {Reason(failed.Task.Result.Cause)}");
            try
            {
                return await reply.ConfigureAwait(false);
            }
            catch (AskTimeoutException e)
            {
                throw new ControlUnreachableException(
                    $"no answer from app-fw at 127.0.0.1:{port} within {options.Timeout.TotalSeconds:0.#} s", e);
            }
        }
        finally
        {
            await system.Terminate().WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None)
                .ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    private static X509Certificate2 LoadCertificate(string stateDirectory)
    {
        var path = ControlCertificate.PathIn(stateDirectory);
        try
        {
            return ControlCertificate.Load(path);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ControlAccessException($"permission denied reading {path}: only root may change the firewall", e);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ControlUnreachableException(
                $"{path} does not exist: app-fw is not running (or runs with another --state-dir)", e);
        }
        catch (CryptographicException e)
        {
            throw new ControlAccessException($"cannot read the control certificate {path}: {e.Message}", e);
        }
    }

    // Akka.Remote passes on only the text of the transport's errors (InvalidAssociation without inner exception).
    private static readonly string ConnectionRefusedText = new SocketException((int)SocketError.ConnectionRefused).Message;

    private static string Reason(Exception? cause)
    {
        for (var e = cause; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused }
                || e.Message.StartsWith(ConnectionRefusedText, StringComparison.Ordinal))
                return "connection refused (is app-fw running? does it use the same --control-port?)";
            if (e is AuthenticationException || e.Message.StartsWith("TLS handshake failed", StringComparison.Ordinal))
                return "the TLS handshake failed: the daemon refused our certificate or presented another one (is STATE_DIR/control.pfx from this app-fw?)";
        }
        return cause?.GetBaseException().Message ?? "association failed";
    }

    private sealed class AssociationFailureListener(TaskCompletionSource<AssociationErrorEvent> failed) : UntypedActor
    {
        protected override void OnReceive(object message)
        {
            if (message is AssociationErrorEvent error) failed.TrySetResult(error);
        }
    }
}
