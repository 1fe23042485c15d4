// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Namespaces;
using Daf.Interop.Posix;

namespace Daf.Interop.Tests;

public sealed class NetworkNamespaceTests
{
    [Fact]
    public void Body_runs_inside_the_namespace_and_the_caller_stays_outside()
    {
        using var ns = new TestNetns();
        ulong target = NetworkNamespace.GetInode(ns.Path);
        ulong own = NetworkNamespace.GetInode("/proc/thread-self/ns/net");

        ulong inside = NetworkNamespace.RunIn(ns.Path, () => NetworkNamespace.GetInode("/proc/thread-self/ns/net"));

        Assert.NotEqual(own, target);
        Assert.Equal(target, inside);
        Assert.Equal(own, NetworkNamespace.GetInode("/proc/thread-self/ns/net"));
    }

    [Fact]
    public void Missing_namespace_fails_naming_open_and_enoent()
    {
        var error = Assert.Throws<PosixException>(() => NetworkNamespace.RunIn("/run/netns/daf-no-such-namespace", () => 1));

        Assert.Equal("open(/run/netns/daf-no-such-namespace)", error.Operation);
        Assert.Equal(Errno.ENOENT, error.Errno);
    }

    [Fact]
    public void A_file_that_is_not_a_namespace_fails_naming_setns()
    {
        var error = Assert.Throws<PosixException>(() => NetworkNamespace.RunIn("/proc/self/status", () => 1));

        Assert.StartsWith("setns(", error.Operation);
        Assert.Equal(Errno.EINVAL, error.Errno);
    }

    [Fact]
    public void Exceptions_of_the_body_reach_the_caller()
    {
        using var ns = new TestNetns();

        var error = Assert.Throws<InvalidOperationException>(() => NetworkNamespace.RunIn<int>(ns.Path, () => throw new InvalidOperationException("inner")));

        Assert.Equal("inner", error.Message);
    }

    [Fact]
    public void An_open_namespace_file_is_entered_even_after_its_path_is_gone()
    {
        var ns = new TestNetns();
        NamespaceFile file;
        try
        {
            file = NamespaceFile.Open(ns.Path);
        }
        finally
        {
            ns.Dispose(); // ip netns del: the path goes, the open file keeps the namespace
        }
        using (file)
        {
            ulong inside = NetworkNamespace.RunIn(file, () => NetworkNamespace.GetInode("/proc/thread-self/ns/net"));

            Assert.Equal(file.Inode, inside);
            Assert.NotEqual(file.Inode, NetworkNamespace.GetInode("/proc/thread-self/ns/net"));
        }
    }

    [Fact]
    public void A_closed_namespace_file_is_never_entered()
    {
        using var ns = new TestNetns();
        var file = NamespaceFile.Open(ns.Path);
        file.Dispose();
        bool ran = false;

        var error = Assert.Throws<PosixException>(() => NetworkNamespace.RunIn(file, () => ran = true));

        Assert.False(ran);
        Assert.StartsWith("setns(", error.Operation);
        Assert.Equal(Errno.EBADF, error.Errno);
    }
}
