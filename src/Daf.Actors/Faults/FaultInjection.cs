// SPDX-License-Identifier: Apache-2.0
#if DAF_FAULT_INJECTION
using System.Globalization;
using Akka.Actor;

namespace Daf.Actors.Faults;

/// <summary>
/// The fault-injection hook, compiled only into test builds (the FaultInjection configuration the test projects build
/// Daf.Actors in); release builds (<c>make</c>, bin/app-fw) contain none of it. Each actor overrides
/// <c>AroundReceive</c> in a partial file of this folder and calls <see cref="Intercept"/> first.
/// </summary>
public static class FaultInjection
{
    /// <summary>
    /// Applies <paramref name="message"/> when it is an <see cref="InjectFault"/> this helper handles: throws for
    /// <see cref="FaultKind.Throw"/>, sleeps for <see cref="FaultKind.Block"/>. Returns true when the message was consumed.
    /// </summary>
    public static bool Intercept(object message, IActorRef self)
    {
        if (message is not InjectFault fault)
            return false;
        switch (fault.Kind)
        {
            case FaultKind.Throw:
                throw new InjectedFaultException($"injected fault in {self.Path}");
            case FaultKind.Block:
                Thread.Sleep(fault.Duration);
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Parses one line of the daemon's fault file: <c>ACTOR-PATH throw|throw-mid-batch|kill|block MS</c>, the path
    /// relative to /user (e.g. <c>queue-0/batcher</c>). Returns false for anything else.
    /// </summary>
    public static bool TryParse(string line, out string path, out object message)
    {
        path = "";
        message = "";
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length < 2 || words[0].Contains("..", StringComparison.Ordinal))
            return false;
        path = "/user/" + words[0].TrimStart('/');
        switch (words[1])
        {
            case "throw" when words.Length == 2:
                message = new InjectFault(FaultKind.Throw);
                return true;
            case "throw-mid-batch" when words.Length == 2:
                message = new InjectFault(FaultKind.ThrowMidBatch);
                return true;
            case "kill" when words.Length == 2:
                message = Kill.Instance;
                return true;
            case "block" when words.Length == 3 && int.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out int ms) && ms <= 60_000:
                message = new InjectFault(FaultKind.Block, TimeSpan.FromMilliseconds(ms));
                return true;
            default:
                return false;
        }
    }
}
#endif
