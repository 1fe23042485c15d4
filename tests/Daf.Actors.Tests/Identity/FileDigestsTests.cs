// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Identity;

namespace Daf.Actors.Tests.Identity;

public sealed class FileDigestsTests
{
    [Fact]
    public void Files_hash_like_sha256sum_and_the_aggregate_covers_those_hashed()
    {
        using var temp = new TempDirectory();
        string spaced = temp.CopyExecutable("/bin/true", "dir with space/tr ue");
        string missing = temp.Combine("missing");
        FileDigestReport report = FileDigests.Compute(["/bin/sleep", spaced, missing]);

        Assert.Equal(Tools.Sha256Sum("/bin/sleep"), report.Files[0].Digest);
        Assert.Equal(Tools.Sha256Sum("/bin/true"), report.Files[1].Digest);
        Assert.Null(report.Files[2].Digest);
        Assert.Contains("ENOENT", report.Files[2].Error);
        Assert.Contains(missing, report.Files[2].Error);
        Assert.False(report.AllHashed);
        Assert.Equal(AggregateDigestTests.Reference([Tools.Sha256Sum("/bin/sleep"), Tools.Sha256Sum("/bin/true")]), report.Aggregate);
    }

    [Fact]
    public void Fifo_and_directory_are_refused_without_blocking()
    {
        using var temp = new TempDirectory();
        string fifo = temp.Combine("fifo");
        Tools.Run("mkfifo", fifo);
        FileDigest fromFifo = FileDigests.Compute(fifo);
        Assert.Null(fromFifo.Digest);
        Assert.Contains("not a regular file", fromFifo.Error);
        Assert.Null(FileDigests.Compute(temp.Path).Digest);
    }

    [Fact]
    public void File_over_the_size_limit_is_refused()
    {
        FileDigest digest = FileDigests.Compute("/bin/sleep", maxSize: 1024);
        Assert.Null(digest.Digest);
        Assert.Contains("hashing limit", digest.Error);
    }
}
