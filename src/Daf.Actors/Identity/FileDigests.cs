// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Posix;

namespace Daf.Actors.Identity;

/// <summary>
/// <c>ctl-fw -H PATH...</c>: hashes files by path, locally, the way the daemon hashes mapped objects (regular
/// files only, up to a size limit, re-checked for changes while read), so the digests printed are the ones
/// rules will see.
/// </summary>
public static class FileDigests
{
    public static FileDigest Compute(string path, long maxSize = ObjectDigestCache.DefaultMaxObjectSize)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!ReadOnlyFile.TryOpen(path, out ReadOnlyFile? file, out PosixError error))
            return new FileDigest(path, null, error.ToString());
        using (file)
        {
            if (!file!.TryGetStatus(out FileStatus status, out error))
                return new FileDigest(path, null, error.ToString());
            ObjectDigestResult result = ObjectHasher.Hash(file, ref status, maxSize, out _);
            return new FileDigest(path, result.Digest, result.Error);
        }
    }

    public static FileDigestReport Compute(IEnumerable<string> paths, long maxSize = ObjectDigestCache.DefaultMaxObjectSize)
    {
        ArgumentNullException.ThrowIfNull(paths);
        FileDigest[] files = paths.Select(path => Compute(path, maxSize)).ToArray();
        return new FileDigestReport(files, AggregateDigest.Compute(files.Where(f => f.Digest.HasValue).Select(f => f.Digest!.Value)));
    }
}
