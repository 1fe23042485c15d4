// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Rules;
using Daf.Interop.Bpf;
using Daf.Interop.Posix;

namespace Daf.Actors.Identity;

/// <summary>
/// Builds the image of a process that exited before its maps could be read, from the executable objects the probe
/// listed at exit (<see cref="ExitImageEvent"/>): each object's digest comes from the <see cref="ObjectDigestCache"/>
/// under its exact (device, inode, size, mtime, ctime); the executable the process exec'd may instead be hashed from
/// the path it was exec'd by, if the file there is still that very version. When any object's digest cannot be
/// found this way there is no image at all (the packet stays unattributed): never a partial image that could match
/// a rule the whole image would not.
/// </summary>
public static class ExitImages
{
    private const string AnonymousError = "anonymous executable memory: code not backed by a file cannot be hashed";
    private const string WritableCodeError = "mapped writable and executable: the code can differ from the file";

    /// <returns>The image, or null with <paramref name="reason"/> saying which object could not be named.</returns>
    public static ProcessImage? Build(int pid, IReadOnlyList<ImageObject> objects, ImageObject? executable, string? executablePath,
        ObjectDigestCache cache, ProcessIdentityOptions options, out string? reason) =>
        Build(pid, objects, executable, executablePath, cache, options, out reason, out _);

    /// <param name="notCachedYet">True when the image failed only for want of a digest the cache may still learn (another
    /// process mapping the same object is read): building again after <see cref="ObjectDigestCache.Learnt"/> moves may succeed.</param>
    public static ProcessImage? Build(int pid, IReadOnlyList<ImageObject> objects, ImageObject? executable, string? executablePath,
        ObjectDigestCache cache, ProcessIdentityOptions options, out string? reason, out bool notCachedYet)
    {
        notCachedYet = false;
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(cache);
        reason = null;
        if (options.IncludeAllFileBacked)
        {
            reason = "the exit list names executable mappings only, and all file-backed mappings are asked for";
            return null;
        }
        if (objects.Count == 0)
        {
            reason = "no executable mapping listed";
            return null;
        }
        var mapped = new List<MappedObject>(objects.Count);
        var seen = new HashSet<(uint Device, ulong Inode)>();
        bool anonymous = false;
        foreach (ImageObject item in objects)
        {
            if (item.Anonymous)
            {
                if (!anonymous)
                    mapped.Add(new MappedObject("[anonymous]", true, null, AnonymousError));
                anonymous = true;
                continue;
            }
            if (!seen.Add((item.Device, item.Inode)))
                continue;
            var key = new ObjectKey(item.Device, item.Inode, item.Size, item.ModifiedTimeNs, item.ChangedTimeNs);
            bool isExecutable = executable is { } exe && exe == item with { Flags = exe.Flags };
            if (!cache.TryGet(key, out Sha256Digest digest)
                && !(isExecutable && executablePath is not null && TryHashAt(executablePath, key, cache, out digest)))
            {
                reason = $"inode {item.Inode} on device {item.Device:x} is not in the digest cache" +
                    (isExecutable ? $" and {executablePath ?? "(no path)"} is no longer that file" : "");
                notCachedYet = true;
                return null;
            }
            string path = isExecutable && executablePath is not null ? executablePath : $"[inode {item.Inode} on device {item.Device:x}]";
            mapped.Add(new MappedObject(path, true, digest, item.Writable ? WritableCodeError : null));
        }
        return new ProcessImage(pid, mapped);
    }

    /// <summary>Hashes the file at <paramref name="path"/> only if it is still the version <paramref name="key"/> names.</summary>
    private static bool TryHashAt(string path, ObjectKey key, ObjectDigestCache cache, out Sha256Digest digest)
    {
        digest = default;
        if (!ReadOnlyFile.TryOpen(path, out ReadOnlyFile? file, out _))
            return false;
        using (file)
        {
            if (!file!.TryGetStatus(out FileStatus status, out _) || ObjectKey.From(status) != key)
                return false;
            cache.GetOrCompute(file);
        }
        // Stored under the key the hasher saw unchanged from start to end: a file changed meanwhile is not taken.
        return cache.TryGet(key, out digest);
    }
}
