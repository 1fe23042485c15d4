// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Queue;

/// <summary>
/// A deferred OUTPUT packet of a signing queue: a copy of the whole packet (the reader's buffer is reused at once)
/// and the queue's signatures, so that the attribution actor can sign it once it is judged ACCEPT.
/// </summary>
public sealed record DeferredSigning(QueueSignatures Signatures, byte[] Packet);
