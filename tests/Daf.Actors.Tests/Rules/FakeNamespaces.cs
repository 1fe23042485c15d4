// SPDX-License-Identifier: Apache-2.0
using Daf.Actors.Control;
using Daf.Actors.Rules;

namespace Daf.Actors.Tests.Rules;

/// <summary>
/// Namespace files for rule store tests: paths mapped to inodes, with a count of the handles still open.
/// Inode <see cref="Own"/> is the daemon's namespace.
/// </summary>
internal sealed class FakeNamespaces
{
    public const ulong Own = 4026531840;
    public const ulong Other = 4026532999;
    public const string OwnCaller = "/proc/100/ns/net";
    public const string OtherCaller = "/proc/200/ns/net";

    private readonly Dictionary<string, ulong> _inodes = new()
    {
        [OwnCaller] = Own,
        [OtherCaller] = Other,
        ["/run/netns/other"] = Other,
        ["/proc/1/ns/net"] = Own,
        ["/proc/self/ns/net"] = Own,
    };
    private int _open;

    public static NamespaceReference InOwn => new(OwnCaller, Own);
    public static NamespaceReference InOther => new(OtherCaller, Other);

    public int OpenHandles => Volatile.Read(ref _open);

    public void Set(string path, ulong inode) => _inodes[path] = inode;

    public void Remove(string path) => _inodes.Remove(path);

    /// <summary>Bindings whose search for a namespace by inode looks at the fake /proc/PID/ns/net files.</summary>
    public NamespaceBindings Bindings() => new(Open, Own, () => _inodes.Keys.Where(p => p.StartsWith("/proc/", StringComparison.Ordinal)).ToList());

    private NamespaceHandle Open(string path)
    {
        if (!_inodes.TryGetValue(path, out ulong inode))
            throw new IOException($"open({path}) failed: errno 2 (ENOENT)");
        Interlocked.Increment(ref _open);
        return new NamespaceHandle(inode, new Handle(this));
    }

    private sealed class Handle(FakeNamespaces owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                Interlocked.Decrement(ref owner._open);
        }
    }
}
