// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Attribution;
using Daf.Actors.Identity;
using Daf.Actors.Rules;
using Daf.Actors.Tracking;
using Daf.Interop.Packets;

namespace Daf.Actors.DecisionLog;

/// <summary>
/// Holders from the identity path, memory only: the flow cache gives the socket, the holder table its
/// processes, the image store what each maps (the executable: the first executable object that is not a
/// shared library). Without an image, the executable is read from /proc/PID/exe — this runs in the log
/// actor, never on a reader.
/// </summary>
public sealed class SocketDecisionHolders(SocketLocator locator, SocketHolderTable table, ProcessImageStore images) : IDecisionHolders
{
    public bool TryDescribe(Chain chain, in PacketHeaders headers, List<(int Pid, string Executable)> holders)
    {
        if (chain == Chain.Forward || !locator.TryGetCached(chain, headers, out LocatedSocket socket)) return false;
        if (!table.TryGetHolders(socket.Inode, out HolderSet set)) return false;
        foreach (int tgid in set.ThreadGroups)
            holders.Add((tgid, ExecutableOf(tgid)));
        return true;
    }

    private string ExecutableOf(int tgid)
    {
        if (images.TryGetImage(tgid, out ProcessImage image))
        {
            foreach (var mapped in image.Objects)
                if (mapped.Executable && !mapped.Path.Contains(".so", StringComparison.Ordinal)) return mapped.Path;
        }
        try
        {
            return new FileInfo($"/proc/{tgid}/exe").LinkTarget ?? "?";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }
}
