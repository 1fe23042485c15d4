// SPDX-License-Identifier: Apache-2.0
using System.Text;
using Daf.Interop.Posix;

namespace Daf.Interop.Tests.Proc;

public sealed class DirectoryStreamTests
{
    [Fact]
    public void Directory_larger_than_one_getdents_buffer_is_listed_whole()
    {
        string path = Directory.CreateTempSubdirectory("daf-dirstream-").FullName;
        try
        {
            // ~40 bytes per record: 3,000 entries need several getdents64 calls into the 32 KiB buffer.
            var expected = new HashSet<string>();
            for (int i = 0; i < 3000; i++)
            {
                string name = $"entry-with-a-longer-name-{i:D5}";
                File.WriteAllBytes(Path.Combine(path, name), []);
                expected.Add(name);
            }
            var seen = new List<string>();
            Assert.True(DirectoryStream.TryOpen(path, out DirectoryStream? directory, out PosixError error), error.ToString());
            using (directory)
            {
                while (directory!.TryReadNext(out ReadOnlySpan<byte> name, out error))
                    seen.Add(Encoding.UTF8.GetString(name));
                Assert.Equal(0, error.Errno);
            }
            Assert.Contains(".", seen);
            Assert.Contains("..", seen);
            seen.Remove(".");
            seen.Remove("..");
            Assert.Equal(expected.Count, seen.Count);
            Assert.Equal(expected, seen.ToHashSet());
        }
        finally
        {
            Directory.Delete(path, recursive: true);
        }
    }

    [Fact]
    public void Opening_a_file_as_a_directory_is_ENOTDIR()
    {
        Assert.False(DirectoryStream.TryOpen("/proc/self/stat", out _, out PosixError error));
        Assert.Equal(20, error.Errno); // ENOTDIR
        Assert.Equal("open(/proc/self/stat)", error.Operation);
    }
}
