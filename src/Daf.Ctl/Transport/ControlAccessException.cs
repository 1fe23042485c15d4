// SPDX-License-Identifier: Apache-2.0
namespace Daf.Ctl.Transport;

/// <summary>The control certificate cannot be read: typically ctl-fw does not run as root.</summary>
public sealed class ControlAccessException(string message, Exception? inner = null) : Exception(message, inner);
