// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Posix;

namespace Daf.Interop.Tests;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("daf-atomic-").FullName;

    [Fact]
    public void Write_replaces_the_content_and_leaves_no_temporary_file()
    {
        string path = Path.Combine(_directory, "rules");
        File.WriteAllText(path, "old content that is longer than the new one");

        AtomicFile.Write(path, "new"u8);

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_directory));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_new_file_is_readable_by_its_owner_only()
    {
        string path = Path.Combine(_directory, "secret");

        AtomicFile.Write(path, "x"u8);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void A_missing_directory_fails_and_creates_nothing()
    {
        string path = Path.Combine(_directory, "missing", "rules");

        Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.Write(path, "x"u8));
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
