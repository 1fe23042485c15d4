// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Host;

/// <summary><c>-t/--sig-type</c>: what app-fw's signer puts in the tags of accepted OUTPUT packets.</summary>
public enum SignatureMode : byte
{
    /// <summary>No signing.</summary>
    None,
    /// <summary>The tag authenticates the packet.</summary>
    Packet,
    /// <summary>The tag also binds the aggregate digest of the application holding the packet's socket.</summary>
    App,
}
