// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Queue;

/// <summary>The reader's own "poll again" message: it reads between other messages instead of looping forever.</summary>
internal sealed class ReadQueue
{
    public static readonly ReadQueue Instance = new();
    private ReadQueue() { }
}
