// SPDX-License-Identifier: Apache-2.0
#if DAF_FAULT_INJECTION
namespace Daf.Actors.Faults;

/// <summary>What an <see cref="InjectFault"/> makes its actor do (test builds only).</summary>
public enum FaultKind
{
    /// <summary>Throw from the actor's receive, before the message is handled: the supervisor restarts it.</summary>
    Throw,
    /// <summary>Sleep on the actor's thread for <see cref="InjectFault.Duration"/>: its mailbox waits.</summary>
    Block,
    /// <summary>Queue reader and verdict batcher: throw halfway through the next batch of packets they handle.</summary>
    ThrowMidBatch,
}
#endif
