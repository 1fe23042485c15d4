// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Namespaces;
using Daf.Interop.Posix;

namespace Daf.Interop.Tests;

public sealed class NamespaceFileTests
{
    [Fact]
    public void A_network_namespace_file_gives_the_namespace_inode_and_holds_it_open()
    {
        using var ns = new TestNetns();
        ulong inode = NetworkNamespace.GetInode(ns.Path);

        using (var file = NamespaceFile.Open(ns.Path))
        {
            Assert.Equal(inode, file.Inode);
            Assert.NotEqual(NetworkNamespace.GetInode("/proc/self/ns/net"), file.Inode);
            Assert.Equal(1, DescriptorsTo(ns.Path));
        }

        Assert.Equal(0, DescriptorsTo(ns.Path));
    }

    /// <summary>How many of this process's descriptors refer to the namespace file (a bind mount: its /proc/self/fd link reads the path).</summary>
    private static int DescriptorsTo(string path) => Directory.GetFiles("/proc/self/fd")
        .Count(fd => { try { return new FileInfo(fd).LinkTarget == path; } catch (IOException) { return false; } });

    [Fact]
    public void Another_kind_of_namespace_is_refused()
    {
        var error = Assert.Throws<InvalidDataException>(() => NamespaceFile.Open("/proc/self/ns/mnt"));

        Assert.Contains("is not a network namespace", error.Message);
    }

    [Fact]
    public void A_file_that_is_no_namespace_fails_naming_the_ioctl()
    {
        var error = Assert.Throws<PosixException>(() => NamespaceFile.Open("/proc/self/status"));

        Assert.StartsWith("ioctl(/proc/self/status, NS_GET_NSTYPE)", error.Operation);
    }

    [Fact]
    public void A_missing_file_fails_naming_open_and_enoent()
    {
        var error = Assert.Throws<PosixException>(() => NamespaceFile.Open("/run/netns/daf-no-such-namespace"));

        Assert.Equal("open(/run/netns/daf-no-such-namespace)", error.Operation);
        Assert.Equal(Errno.ENOENT, error.Errno);
    }
}
