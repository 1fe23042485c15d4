// SPDX-License-Identifier: Apache-2.0
#if DAF_FAULT_INJECTION
using Akka.Actor;
using Daf.Actors.Faults;

namespace Daf.Actors.Verdicts;

/// <summary>Test builds only: the fault-injection hook; <see cref="FaultKind.ThrowMidBatch"/> throws halfway through the next batch it plans.</summary>
public sealed partial class VerdictBatcherActor
{
    private bool _throwMidBatch;

    protected override bool AroundReceive(Receive receive, object message)
    {
        if (message is InjectFault { Kind: FaultKind.ThrowMidBatch })
        {
            _throwMidBatch = true;
            // The reader applies most batches itself: it hands the next one over, so that the fault meets a batch.
            _shared.HandOverNext();
            return true;
        }
        return FaultInjection.Intercept(message, Self) || base.AroundReceive(receive, message);
    }

    private void InjectedFaultPoint(int index, int count)
    {
        if (_throwMidBatch && index == count / 2)
        {
            _throwMidBatch = false;
            throw new InjectedFaultException($"injected fault in {Self.Path} at packet {index} of {count}");
        }
    }
}
#endif
