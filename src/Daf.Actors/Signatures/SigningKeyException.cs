// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Signatures;

/// <summary>A key file was refused; the message names the file and the reason.</summary>
public sealed class SigningKeyException(string message) : Exception(message);
