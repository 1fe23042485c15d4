// SPDX-License-Identifier: Apache-2.0
using System.Text.Json;
using Daf.Actors.Attribution;
using Daf.Actors.Tracking;

namespace Daf.Actors.Stats;

/// <summary>
/// The `identity` object of stats.json: how the daemon namespace's socket lookups ended (every locator of it) and
/// what the released-socket table holds, so that an unattributed packet can be explained from the counters alone.
/// </summary>
public sealed class IdentityStatsReport(IReadOnlyList<SocketLocator> locators, ReleasedSocketTable released)
{
    public void Write(Utf8JsonWriter json)
    {
        long found = 0, notFound = 0, rateLimited = 0, unattributable = 0, foundReleased = 0;
        foreach (SocketLocator locator in locators)
        {
            found += locator.Found;
            notFound += locator.NotFound;
            rateLimited += locator.RateLimited;
            unattributable += locator.Unattributable;
            foundReleased += locator.FoundReleased;
        }
        json.WriteStartObject("identity");
        json.WriteNumber("lookupsFound", found);
        json.WriteNumber("lookupsNotFound", notFound);
        json.WriteNumber("lookupsRateLimited", rateLimited);
        json.WriteNumber("lookupsUnattributable", unattributable);
        json.WriteNumber("foundReleased", foundReleased);
        json.WriteBoolean("releaseEvents", released.Active);
        json.WriteNumber("releasesRecorded", released.Added);
        json.WriteNumber("releasesExpired", released.Expired);
        json.WriteNumber("releasesKept", released.Count);
        ulong applied = released.AppliedThroughNanoseconds;
        ulong now = SocketHolderTrackerActor.MonotonicNanoseconds();
        // How far behind the tracker's last applied event is (-1: none applied yet).
        json.WriteNumber("trackerEventAgeMs", applied == 0 ? -1 : Math.Round((now - Math.Min(now, applied)) / 1e6, 1));
        json.WriteEndObject();
    }
}
