// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Control;

namespace Daf.Actors.Identity;

/// <summary>Turns what <see cref="ProcessIdentityReader"/> found into the daemon's answer to <see cref="DescribeProcess"/>.</summary>
public static class ProcessDescriptions
{
    public static ProcessDescription Describe(ProcessImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var objects = new List<MappedObjectDigest>(image.Objects.Count + 1);
        foreach (MappedObject mapped in image.Objects)
            objects.Add(new MappedObjectDigest(mapped.Path, mapped.Digest?.ToString(), mapped.Error));
        if (image.MalformedMapsLines > 0 || image.MapsTruncated)
        {
            string problem = image.MapsTruncated ? "more mappings than were read" : "";
            if (image.MalformedMapsLines > 0)
                problem += (problem.Length > 0 ? "; " : "") + $"{image.MalformedMapsLines} malformed line(s) skipped";
            objects.Add(new MappedObjectDigest($"/proc/{image.Pid}/maps", null, problem));
        }
        return new ProcessDescription(image.Pid, objects, image.Aggregate.ToString(), image.Unverifiable);
    }

    /// <summary>The reply to <c>-H --pid</c>: the description, or a refusal saying the process does not exist or could not be read.</summary>
    public static IControlReply Reply(ProcessReadResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Outcome switch
        {
            ProcessReadOutcome.Read => Describe(result.Image!),
            ProcessReadOutcome.Gone => new RequestRefused($"no process {result.Pid} (or it exited while it was read)"),
            _ => new RequestRefused($"cannot read process {result.Pid}: {result.Error}"),
        };
    }
}
