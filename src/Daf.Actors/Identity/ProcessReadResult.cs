// SPDX-License-Identifier: Apache-2.0
namespace Daf.Actors.Identity;

/// <summary>What <see cref="ProcessIdentityReader.Read"/> found: an image, a process that is gone, or an error.</summary>
public sealed record ProcessReadResult(int Pid, ProcessReadOutcome Outcome, ProcessImage? Image, string? Error)
{
    public static ProcessReadResult Success(ProcessImage image) => new(image.Pid, ProcessReadOutcome.Read, image, null);

    public static ProcessReadResult Gone(int pid) => new(pid, ProcessReadOutcome.Gone, null, null);

    public static ProcessReadResult Failed(int pid, string error) => new(pid, ProcessReadOutcome.Failed, null, error);
}
