// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Identity;
using Daf.Interop.Bpf;
using Daf.Interop.Posix;

namespace Daf.Actors.Tests.Identity;

public sealed class ExitImagesTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ObjectDigestCache _cache = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string name, string content)
    {
        string path = Path.Combine(_dir.Path, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static ImageObject ObjectOf(string path, uint flags = 0)
    {
        Assert.True(ReadOnlyFile.TryOpen(path, out ReadOnlyFile? file, out _));
        using (file)
        {
            Assert.True(file!.TryGetStatus(out FileStatus status, out _));
            return new ImageObject(status.Inode, status.Size, status.ModifiedTimeNs, status.ChangedTimeNs, (uint)status.Device, flags);
        }
    }

    private void Hash(string path)
    {
        Assert.True(ReadOnlyFile.TryOpen(path, out ReadOnlyFile? file, out _));
        using (file)
            Assert.NotNull(_cache.GetOrCompute(file!).Digest);
    }

    private ProcessImage? Build(IReadOnlyList<ImageObject> objects, ImageObject? exe = null, string? exePath = null,
        ProcessIdentityOptions? options = null) =>
        ExitImages.Build(42, objects, exe, exePath, _cache, options ?? ProcessIdentityOptions.Default, out _);

    [Fact]
    public void Objects_the_cache_knows_make_the_whole_image_with_their_digests()
    {
        string program = Write("program", "program code"), library = Write("libc.so", "library code");
        Hash(program);
        Hash(library);
        ProcessImage image = Assert.IsType<ProcessImage>(Build([ObjectOf(program), ObjectOf(library), ObjectOf(library)]));
        Assert.Equal(2, image.Objects.Count);
        Assert.True(image.Maps(Tools.Sha256Sum(program)));
        Assert.True(image.Maps(Tools.Sha256Sum(library)));
        Assert.False(image.Unverifiable);
    }

    [Fact]
    public void One_object_the_cache_does_not_know_means_no_image_at_all()
    {
        string program = Write("program", "program code"), library = Write("libnew.so", "never hashed");
        Hash(program);
        Assert.Null(ExitImages.Build(42, [ObjectOf(program), ObjectOf(library)], null, null, _cache, ProcessIdentityOptions.Default,
            out string? reason));
        Assert.Contains("not in the digest cache", reason);
    }

    [Fact]
    public void A_missing_digest_is_told_apart_from_a_list_that_can_never_make_an_image()
    {
        string program = Write("program", "program code"), library = Write("libnew.so", "never hashed");
        Hash(program);
        Assert.Null(ExitImages.Build(42, [ObjectOf(program), ObjectOf(library)], null, null, _cache, ProcessIdentityOptions.Default,
            out _, out bool notCachedYet));
        Assert.True(notCachedYet);
        Assert.Null(ExitImages.Build(42, [ObjectOf(program)], null, null, _cache,
            ProcessIdentityOptions.Default with { IncludeAllFileBacked = true }, out _, out notCachedYet));
        Assert.False(notCachedYet);
        Hash(library);
        Assert.NotNull(ExitImages.Build(42, [ObjectOf(program), ObjectOf(library)], null, null, _cache, ProcessIdentityOptions.Default,
            out _, out notCachedYet));
        Assert.False(notCachedYet);
    }

    [Fact]
    public void The_executable_is_hashed_from_its_exec_path_while_that_path_is_still_the_same_file()
    {
        string program = Write("fresh-program", "never hashed before");
        ImageObject exe = ObjectOf(program);
        ProcessImage image = Assert.IsType<ProcessImage>(Build([exe], exe, program));
        Assert.True(image.Maps(Tools.Sha256Sum(program)));
        Assert.Equal(program, image.Objects[0].Path);
    }

    [Fact]
    public void An_exec_path_now_naming_another_file_is_not_taken_for_the_executable()
    {
        string program = Write("replaced-program", "the code that ran");
        ImageObject exe = ObjectOf(program);
        string other = Write("other", "other code");
        File.Move(other, program, overwrite: true);
        Assert.Null(Build([exe], exe, program));
    }

    [Fact]
    public void Anonymous_executable_memory_makes_the_image_unverifiable_and_writable_code_is_flagged()
    {
        string program = Write("jit-host", "host code");
        Hash(program);
        ProcessImage image = Assert.IsType<ProcessImage>(Build([
            ObjectOf(program, ImageObject.DAF_IMAGE_OBJECT_WRITABLE),
            new ImageObject(0, 0, 0, 0, 0, ImageObject.DAF_IMAGE_OBJECT_ANONYMOUS)]));
        Assert.True(image.Unverifiable);
        Assert.All(image.Objects, o => Assert.NotNull(o.Error));
    }

    [Fact]
    public void When_all_file_backed_mappings_are_asked_for_an_exit_list_is_not_enough()
    {
        string program = Write("program", "program code");
        Hash(program);
        Assert.Null(Build([ObjectOf(program)], options: ProcessIdentityOptions.Default with { IncludeAllFileBacked = true }));
    }
}
