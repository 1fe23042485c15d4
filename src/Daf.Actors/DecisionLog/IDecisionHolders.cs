// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;
using Daf.Interop.Packets;

namespace Daf.Actors.DecisionLog;

/// <summary>The processes holding a logged packet's socket, as far as the identity path knows them.</summary>
public interface IDecisionHolders
{
    /// <summary>Appends <c>pid:executable</c> entries (executable <c>?</c> when unknown) to <paramref name="holders"/>; false when the socket is not known.</summary>
    bool TryDescribe(Chain chain, in PacketHeaders headers, List<(int Pid, string Executable)> holders);
}
