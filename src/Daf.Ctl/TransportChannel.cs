// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Control;

namespace Daf.Ctl;

/// <summary>
/// The channel to a running app-fw. The remoting transport (branch ctlnet, <c>Daf.Ctl.Transport.ControlClient</c>)
/// is not merged yet: until it is, every request fails as unreachable (exit 3).
/// </summary>
internal sealed class TransportChannel(ControlEndpoint endpoint) : IControlChannel
{
    public static IControlChannel Connect(ControlEndpoint endpoint) => new TransportChannel(endpoint);

    public Task<IControlReply> SendAsync(IControlRequest request, CancellationToken cancellationToken) =>
        Task.FromException<IControlReply>(new ControlChannelException(
            $"cannot reach app-fw (state directory {endpoint.StateDirectory}): this ctl-fw was built without the control transport", ExitCodes.Unreachable));
}
