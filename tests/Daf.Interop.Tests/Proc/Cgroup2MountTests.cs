// SPDX-License-Identifier: Apache-2.0
using Daf.Interop.Proc;

namespace Daf.Interop.Tests.Proc;

public sealed class Cgroup2MountTests
{
    [Fact]
    public void The_hybrid_layouts_unified_mount_is_found_among_cgroup_v1_mounts()
    {
        const string mountInfo = """
            25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
            31 25 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:10 - cgroup2 cgroup2 rw
            42 31 0:39 / /sys/fs/cgroup/cpu rw,relatime shared:11 - cgroup cgroup rw,cpu
            """;
        Assert.True(Cgroup2Mount.TryParse(mountInfo, out string path));
        Assert.Equal("/sys/fs/cgroup/unified", path);
    }

    [Fact]
    public void Escaped_mount_points_are_decoded_and_no_cgroup2_means_none()
    {
        Assert.True(Cgroup2Mount.TryParse("50 1 0:40 / /mnt/cg\\040two rw - cgroup2 none rw\n", out string path));
        Assert.Equal("/mnt/cg two", path);
        Assert.False(Cgroup2Mount.TryParse("25 30 0:23 / /sys rw - sysfs sysfs rw\n31 25 0:26 / /x rw - cgroup cgroup rw\n", out _));
        Assert.False(Cgroup2Mount.TryParse("garbage\n- cgroup2\n", out _));
    }

    [Fact]
    public void The_root_opens_from_a_mount_or_from_a_detached_mount_of_its_own()
    {
        using Cgroup2Root root = Cgroup2Root.Open();
        Assert.True(File.Exists(Path.Combine(root.Path, "cgroup.procs")), root.Path);
    }
}
