// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Rules;

/// <summary>
/// The application a verified packet's tag attests (<c>-t app</c> on the signer), as <c>--sig-app</c> matches it:
/// the first 8 bytes of the aggregate digest of the process that held the packet's socket on the sending host
/// (the tag has room for no more; docs/signatures.md). A packet that was not verified, or was signed in packet
/// mode, attests none (<see cref="None"/>).
/// </summary>
/// <param name="Prefix">The digest's first 8 bytes, big-endian (= <see cref="Sha256Digest.Word0"/>).</param>
public readonly record struct AttestedApp(bool Present, ulong Prefix)
{
    public static AttestedApp None => default;

    public static AttestedApp Of(ulong prefix) => new(true, prefix);

    /// <summary>True when an application is attested and <paramref name="digest"/> begins with its prefix.</summary>
    public bool Is(in Sha256Digest digest) => Present && Prefix == digest.Word0;
}
