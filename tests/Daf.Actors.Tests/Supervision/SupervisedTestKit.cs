// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Tests.Supervision;

/// <summary>An actor system whose /user guardian supervises as app-fw's does (restart on failure or kill).</summary>
internal static class SupervisedTestKit
{
    public const string Config = """
        akka.actor.guardian-supervisor-strategy = "Daf.Actors.Supervision.DafGuardianStrategy, app-fw"
        akka.loglevel = INFO
        """;

    /// <summary>Generous: these tests prove recovery, not speed.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
}
