// SPDX-License-Identifier: Apache-2.0
namespace Daf.Interop.Tests.Bpf;

internal static class RepositoryRoot
{
    /// <summary>The directory holding Daf.sln, found by walking up from the test binaries.</summary>
    public static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Daf.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"no Daf.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>bin/syscall_probe.o, which `make` builds before any test runs.</summary>
    public static string SyscallProbeObject()
    {
        string path = Path.Combine(Find(), "bin", "syscall_probe.o");
        Assert.True(File.Exists(path), $"{path} is missing: `make bin/syscall_probe.o` builds it (make test does so first)");
        return path;
    }
}
