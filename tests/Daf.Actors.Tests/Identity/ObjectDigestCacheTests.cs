// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Identity;
using Daf.Actors.Rules;
using Daf.Interop.Posix;

namespace Daf.Actors.Tests.Identity;

public sealed class ObjectDigestCacheTests
{
    private static ObjectDigestResult Digest(ObjectDigestCache cache, string path)
    {
        Assert.True(ReadOnlyFile.TryOpen(path, out ReadOnlyFile? file, out PosixError error), error.ToString());
        using (file)
            return cache.GetOrCompute(file!);
    }

    [Fact]
    public void Second_lookup_of_an_unchanged_file_is_a_hit()
    {
        var cache = new ObjectDigestCache();
        Assert.Equal(Tools.Sha256Sum("/bin/sleep"), Digest(cache, "/bin/sleep").Digest);
        Assert.Equal((0L, 1L), (cache.Hits, cache.Misses));
        Assert.Equal(new FileInfo("/bin/sleep").Length, cache.BytesHashed);
        Assert.Equal(Tools.Sha256Sum("/bin/sleep"), Digest(cache, "/bin/sleep").Digest);
        Assert.Equal((1L, 1L), (cache.Hits, cache.Misses));
    }

    [Fact]
    public void File_rewritten_in_place_with_the_same_size_is_hashed_again()
    {
        using var temp = new TempDirectory();
        string path = temp.Combine("object");
        File.WriteAllText(path, "version one");
        var cache = new ObjectDigestCache();
        Sha256Digest? first = Digest(cache, path).Digest;
        Thread.Sleep(20);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write))
            stream.Write("version two"u8);
        Sha256Digest? second = Digest(cache, path).Digest;
        Assert.NotEqual(first, second);
        Assert.Equal(Tools.Sha256Sum(path), second);
        Assert.Equal(2L, cache.Misses);
    }

    [Fact]
    public void Capacity_bounds_the_entries_least_recently_used_first()
    {
        using var temp = new TempDirectory();
        string[] paths = Enumerable.Range(0, 3).Select(i => temp.Combine("f" + i)).ToArray();
        for (int i = 0; i < paths.Length; i++)
            File.WriteAllText(paths[i], "content " + i);
        var cache = new ObjectDigestCache(capacity: 2);
        Digest(cache, paths[0]);
        Digest(cache, paths[1]);
        Digest(cache, paths[0]);          // 0 is now more recent than 1
        Digest(cache, paths[2]);          // evicts 1
        Assert.Equal(2, cache.Count);
        Assert.Equal(1L, cache.Evictions);
        long misses = cache.Misses;
        Digest(cache, paths[0]);
        Assert.Equal(misses, cache.Misses);
        Digest(cache, paths[1]);
        Assert.Equal(misses + 1, cache.Misses);
    }

    [Fact]
    public void Concurrent_lookups_agree()
    {
        var cache = new ObjectDigestCache(capacity: 8);
        string[] paths = ["/bin/sleep", "/bin/true", "/bin/ls", "/bin/cat"];
        Sha256Digest[] expected = paths.Select(Tools.Sha256Sum).ToArray();
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            Assert.Equal(expected[i % paths.Length], Digest(cache, paths[i % paths.Length]).Digest));
        Assert.Equal(200L, cache.Hits + cache.Misses);
        Assert.Equal(paths.Length, cache.Count);
    }
}
