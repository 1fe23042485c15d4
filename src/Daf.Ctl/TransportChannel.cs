// SPDX-License-Identifier: Apache-2.0
using System.Globalization;
using Daf.Actors.Control;
using Daf.Ctl.Transport;

namespace Daf.Ctl;

/// <summary>
/// The channel to a running app-fw: <see cref="ControlClient"/> (mutually authenticated TLS remoting). An
/// unreachable daemon exits 3; a certificate ctl-fw may not read (not root) is a refusal, exit 1.
/// </summary>
internal sealed class TransportChannel(ControlEndpoint endpoint) : IControlChannel
{
    public static IControlChannel Connect(ControlEndpoint endpoint) => new TransportChannel(endpoint);

    public async Task<IControlReply> SendAsync(IControlRequest request, CancellationToken cancellationToken)
    {
        // --control-port (already validated) wins; else DAF_CONTROL_PORT; else the configured default.
        if (!ControlClientOptions.TryResolvePort(endpoint.Port?.ToString(CultureInfo.InvariantCulture), out int? port, out string? error))
            throw new ControlChannelException(error!, ExitCodes.Usage);
        var options = new ControlClientOptions { StateDirectory = endpoint.StateDirectory, Port = port };
        try
        {
            return await ControlClient.SendAsync(options, request, cancellationToken).ConfigureAwait(false);
        }
        catch (ControlUnreachableException e)
        {
            throw new ControlChannelException(e.Message, ExitCodes.Unreachable, e);
        }
        catch (ControlAccessException e)
        {
            throw new ControlChannelException(e.Message, ExitCodes.Refused, e);
        }
    }
}
