// SPDX-License-Identifier: Apache-2.0
using System.Globalization;
using Daf.Interop.Posix;

namespace Daf.Actors.Host;

/// <summary>
/// Whether standard error is connected to the journal: systemd sets <c>$JOURNAL_STREAM</c> to
/// <c>DEVICE:INODE</c> of the stream it gave the service, and a process whose standard error is still that
/// stream (not redirected by a shell or a test) may prefix its lines with <c>&lt;N&gt;</c> syslog priorities
/// (sd-daemon(3)), which journald strips and records as PRIORITY=.
/// </summary>
public static class JournalStream
{
    public const string Variable = "JOURNAL_STREAM";
    private const int StandardError = 2;

    public static bool IsStandardError() =>
        Matches(Environment.GetEnvironmentVariable(Variable), DescriptorStatus.TryGet(StandardError, out var status) ? status : null);

    /// <summary>True when <paramref name="value"/> (<c>DEVICE:INODE</c>, decimal) names the stream <paramref name="stream"/> describes.</summary>
    public static bool Matches(string? value, FileStatus? stream)
    {
        if (stream is not { } s || string.IsNullOrEmpty(value)) return false;
        int colon = value.IndexOf(':');
        return colon > 0
            && ulong.TryParse(value.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out ulong device)
            && ulong.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode)
            && device == s.Device && inode == s.Inode;
    }
}
