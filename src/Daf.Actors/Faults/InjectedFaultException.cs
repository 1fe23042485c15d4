// SPDX-License-Identifier: Apache-2.0
#if DAF_FAULT_INJECTION
namespace Daf.Actors.Faults;

/// <summary>The failure an <see cref="InjectFault"/> causes (test builds only).</summary>
public sealed class InjectedFaultException(string message) : Exception(message);
#endif
