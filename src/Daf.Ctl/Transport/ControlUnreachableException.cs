// SPDX-License-Identifier: Apache-2.0
namespace Daf.Ctl.Transport;

/// <summary>The daemon is not there, refused the association or did not answer in time (ctl-fw exits with 3).</summary>
public sealed class ControlUnreachableException(string message, Exception? inner = null) : Exception(message, inner);
