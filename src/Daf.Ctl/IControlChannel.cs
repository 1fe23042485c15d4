// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Control;

namespace Daf.Ctl;

/// <summary>Where ctl-fw finds the daemon: its state directory (certificate) and control port (null: the configured default).</summary>
public sealed record ControlEndpoint(string StateDirectory, int? Port);

/// <summary>Carries one request to the daemon and brings back its reply.</summary>
public interface IControlChannel
{
    /// <exception cref="ControlChannelException">The daemon cannot be reached or may not be asked; says which exit status that is.</exception>
    Task<IControlReply> SendAsync(IControlRequest request, CancellationToken cancellationToken);
}

/// <summary>The request did not reach the daemon; <see cref="ExitCode"/> is what ctl-fw exits with.</summary>
public sealed class ControlChannelException(string message, int exitCode, Exception? innerException = null)
    : Exception(message, innerException)
{
    public int ExitCode { get; } = exitCode;
}
