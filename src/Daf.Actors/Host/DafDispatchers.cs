// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors;

/// <summary>Dispatcher ids defined in hocon/app-fw.conf.</summary>
public static class DafDispatchers
{
    /// <summary>A dedicated thread per queue reader: it sleeps in poll on its queue, so it must not share a pool thread.</summary>
    public const string QueueReader = "daf.dispatchers.queue-reader";
    /// <summary>A dedicated thread per verdict batcher.</summary>
    public const string Batcher = "daf.dispatchers.verdict-batcher";
    /// <summary>The control endpoint's own thread, apart from the data plane and the default pool.</summary>
    public const string Control = "daf.dispatchers.control";
}
