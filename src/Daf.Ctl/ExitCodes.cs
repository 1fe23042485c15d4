// SPDX-License-Identifier: Apache-2.0
namespace Daf.Ctl;

/// <summary>ctl-fw's exit status.</summary>
public static class ExitCodes
{
    public const int Done = 0;
    /// <summary>The daemon refused the request (the message says why), or the caller may not ask it.</summary>
    public const int Refused = 1;
    /// <summary>Bad command line, bad rules text or an unreadable local file; the daemon was not contacted.</summary>
    public const int Usage = 2;
    public const int Unreachable = 3;
}
