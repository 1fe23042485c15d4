// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Signatures;

namespace Daf.Actors.Tests.Signatures;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SigningKeysTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("daf-keys-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string KeyFile(string name, int length, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray());
        File.SetUnixFileMode(path, mode);
        return path;
    }

    [Fact]
    public void A_private_key_file_of_32_bytes_or_more_loads_with_its_second_key()
    {
        var keys = SigningKeys.Load(KeyFile("a", 32), KeyFile("b", 64));

        Assert.NotNull(keys.Secondary);
        Assert.NotEqual(keys.Primary.Id, keys.Secondary!.Id);
    }

    [Fact]
    public void A_key_shorter_than_32_bytes_is_refused_with_its_path()
    {
        string path = KeyFile("short", 31);
        var error = Assert.Throws<SigningKeyException>(() => SigningKeys.Load(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("31 bytes", error.Message);
        Assert.Throws<SigningKeyException>(() => SigningKeys.FromBytes(new byte[31]));
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupWrite)]
    public void A_key_file_others_can_reach_is_refused(UnixFileMode mode)
    {
        string path = KeyFile("open", 32, mode);
        var error = Assert.Throws<SigningKeyException>(() => SigningKeys.Load(KeyFile("fine", 32), path));
        Assert.Contains("chmod 600", error.Message);
    }

    [Fact]
    public void A_key_file_not_owned_by_root_is_refused()
    {
        string path = KeyFile("nobody", 32);
        if (Environment.IsPrivilegedProcess) // otherwise the file already belongs to the (non-root) user running the tests
        {
            using var chown = System.Diagnostics.Process.Start("chown", ["65534", path]);
            chown.WaitForExit();
            Assert.Equal(0, chown.ExitCode);
        }
        var error = Assert.Throws<SigningKeyException>(() => SigningKeys.Load(path));
        Assert.Contains("must belong to root", error.Message);
    }

    [Fact]
    public void A_missing_file_names_the_failing_call()
    {
        var error = Assert.Throws<SigningKeyException>(() => SigningKeys.Load(Path.Combine(_directory, "missing")));
        Assert.Contains("ENOENT", error.Message);
    }
}
