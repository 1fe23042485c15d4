// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Rules;

/// <summary>
/// The application a verified packet's tag attests (<c>-t app</c> on the signer), as <c>--sig-app</c> matches it:
/// the aggregate digest of the process that held the packet's socket on the sending host. A packet that was not
/// verified, or was signed in packet mode, attests none (<see cref="None"/>).
/// </summary>
public readonly record struct AttestedApp(bool Present, Sha256Digest Digest)
{
    public static AttestedApp None => default;

    public static AttestedApp Of(Sha256Digest digest) => new(true, digest);
}
